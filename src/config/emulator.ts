import { userError } from "../errors.js";
import type { EnvironmentConfig } from "./schema.js";

/**
 * Where an environment's AWS calls may be sent instead of AWS: an emulator on this machine
 * (loopback) or one bound beside the step under a single-label name (a Dagger or Compose
 * service such as `http://aws:5000`), over http(s). Anything else, a public host or an IP
 * of another machine, would let a config-only change send a real account's signed requests
 * and OIDC tokens somewhere else, so it is refused.
 */
export function emulatorEndpointProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "a URL such as http://127.0.0.1:5000";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "an http or https URL such as http://127.0.0.1:5000";
  if (url.username || url.password) return "a URL without credentials in it";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = /^127(\.\d{1,3}){3}$/.test(host) || host === "localhost" || host === "::1";
  const serviceName = /^[a-z][a-z0-9-]*$/i.test(host);
  if (loopback || serviceName) return undefined;
  return (
    `an emulator's address: loopback (http://127.0.0.1:5000) or a service name bound beside the step ` +
    `(http://aws:5000), not ${host}; aws.endpoint never points a real account's calls at another host`
  );
}

/** The variable the Dagger module sets when it binds an emulator beside a step. */
export const ENDPOINT_OVERRIDE = "ECS_PIPELINE_AWS_ENDPOINT";

/**
 * The environment with its emulator endpoint replaced by ECS_PIPELINE_AWS_ENDPOINT, when set:
 * inside a container the emulator of `environments/local.json` (127.0.0.1:5000 on a laptop)
 * is the service the module bound. Only an emulator environment (one whose file sets
 * aws.endpoint) can be redirected: the variable never turns a real account's calls elsewhere.
 */
export function withEndpointOverride(env: EnvironmentConfig, vars: NodeJS.ProcessEnv): EnvironmentConfig {
  const override = vars[ENDPOINT_OVERRIDE];
  if (!override) return env;
  if (!env.aws.endpoint) {
    throw userError(
      "config.endpoint-override",
      `${ENDPOINT_OVERRIDE} is set (${override}) but environment "${env.name}" is not an emulator environment: environments/${env.name}.json sets no aws.endpoint`,
      `Unset ${ENDPOINT_OVERRIDE} (or drop --aws-endpoint) to reach ${env.name}'s real account; only emulator environments such as local can be pointed at an emulator.`,
    );
  }
  const problem = emulatorEndpointProblem(override);
  if (problem) {
    throw userError("config.endpoint-override", `${ENDPOINT_OVERRIDE}: expected ${problem}, got "${override}"`);
  }
  return { ...env, aws: { ...env.aws, endpoint: override.replace(/\/$/, "") } };
}
