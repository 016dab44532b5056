import { writeFile } from "node:fs/promises";
import path from "node:path";
import { PipelineError, userError } from "../errors.js";
import { requireString, type Command } from "./command.js";

/**
 * CodeBuild (and ECS) give a build its role's credentials through the container-credentials
 * endpoint: GET http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI. A Dagger step
 * cannot inherit them, so the pipeline reads them once per step with this verb and hands them
 * on as Secrets: the base identity that then assumes the environment's role.
 */
const RELATIVE = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const AUTH = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const ENDPOINT = "http://169.254.170.2";

interface EndpointCredentials {
  AccessKeyId?: unknown;
  SecretAccessKey?: unknown;
  Token?: unknown;
  Expiration?: unknown;
}

/** The endpoint URL: the fixed link-local host, or a full URI on loopback (as the AWS SDKs allow). */
function endpointUrl(env: NodeJS.ProcessEnv): URL {
  const relative = env[RELATIVE];
  if (relative) return new URL(relative, ENDPOINT);
  const full = env[FULL];
  if (full) {
    const url = new URL(full);
    if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
      throw userError("aws.container-uri", `Failed to read container credentials: ${FULL} must be https or loopback`);
    }
    return url;
  }
  throw userError(
    "aws.no-container-credentials",
    `Failed to read container credentials: neither ${RELATIVE} nor ${FULL} is set`,
    "Only CodeBuild and ECS tasks have them; elsewhere pass AWS keys or a web-identity token.",
  );
}

export const containerCredentialsCommand: Command = {
  name: "container-credentials",
  summary: `Write the build's role credentials from the container-credentials endpoint (${RELATIVE}) to a file`,
  usage: "container-credentials --output FILE",
  options: { output: { type: "string" } },
  async run(values, _positionals, io) {
    const output = path.resolve(io.cwd, requireString(values, "output", "container-credentials"));
    const url = endpointUrl(io.env);
    const token = io.env[AUTH];
    let response: Response;
    try {
      response = await fetch(url, token ? { headers: { authorization: token } } : {});
    } catch (err) {
      throw new PipelineError(`Failed to read container credentials from ${url.host}: ${(err as Error).message}`, {
        code: "aws.container-credentials-unreachable",
        source: "aws",
        hint: "The endpoint answers only inside CodeBuild or an ECS task (and containers they start).",
      });
    }
    const body = (response.ok ? await response.json().catch(() => ({})) : {}) as EndpointCredentials;
    const { AccessKeyId, SecretAccessKey, Token, Expiration } = body;
    if (typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
      throw new PipelineError(
        `Failed to read container credentials: ${response.ok ? "the answer holds no AccessKeyId/SecretAccessKey" : `HTTP ${response.status}`}`,
        { code: "aws.container-credentials", source: "aws" },
      );
    }
    const creds = {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(typeof Token === "string" ? { sessionToken: Token } : {}),
      ...(typeof Expiration === "string" ? { expiration: Expiration } : {}),
    };
    await writeFile(output, JSON.stringify(creds), { mode: 0o600 });
    io.log(`Container credentials${creds.expiration ? ` (valid until ${creds.expiration})` : ""} written to ${output}`);
    return 0;
  },
};
