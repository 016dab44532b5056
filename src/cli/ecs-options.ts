import { findService, loadEnvironment } from "../config/load.js";
import { parseRoleArn, roleMismatch } from "../config/rules.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { Interrupted } from "../ecs/resilience.js";
import { PipelineError, userError } from "../errors.js";
import { INTERRUPTED_EXIT, trapInterrupts } from "./interrupts.js";
import type { ServiceVerbOptions } from "../ecs/options.js";
import { formatProgress, type ProgressSink } from "../ecs/progress.js";
import { ourRegistry, PreflightFailed } from "../ecs/preflight.js";
import type { DeployResult } from "../ecs/result.js";
import { DEPLOY_EXIT, renderReport } from "../ecs/result.js";
import type { Timing } from "../ecs/rollout.js";
import {
  optionalInt,
  optionalString,
  requireString,
  type CommandIO,
  type OptionSpec,
  type OptionValues,
} from "./command.js";

/** Options deploy-service and rollback share. */
export const sharedEcsOptions: OptionSpec = {
  env: { type: "string" },
  service: { type: "string" },
  confirm: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  "role-arn": { type: "string" },
  "timeout-seconds": { type: "string" },
  "poll-interval-ms": { type: "string" },
  "health-url": { type: "string" },
  "health-attempts": { type: "string" },
  "health-interval-ms": { type: "string" },
  "keep-revisions": { type: "string" },
  registry: { type: "string" },
};

export const sharedEcsUsage =
  "--env NAME --service NAME [--confirm ENV] [--dry-run] [--json] [--role-arn ARN] [--timeout-seconds N] [--poll-interval-ms N] [--health-url URL] [--health-attempts N] [--health-interval-ms N] [--keep-revisions N] [--registry HOST:PORT (emulator environments: the registry standing in for ECR)]";

export function timingFrom(values: OptionValues): Timing {
  // The same bounds as deploy.timeoutSeconds in the environment file (plus short waits for
  // tests): a 10-year timeout or a 0 ms poll is a typo, not a wish.
  const timeout = optionalInt(values, "timeout-seconds", 1, "whole seconds from 1 to 7200", 7200);
  const poll = optionalInt(values, "poll-interval-ms", 50, "milliseconds from 50 to 60000", 60_000);
  const attempts = optionalInt(values, "health-attempts", 1, "a whole number from 1 to 100", 100);
  const interval = optionalInt(values, "health-interval-ms", 0, "milliseconds from 0 to 600000", 600_000);
  return {
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
    ...(attempts !== undefined ? { healthAttempts: attempts } : {}),
    ...(interval !== undefined ? { healthIntervalMs: interval } : {}),
  };
}

/** Progress lines go to the log stream, prefixed `service/cluster`, so stdout stays the result. */
export function progressTo(io: CommandIO, prefix: string, onState?: (state: string) => void): ProgressSink {
  return (event) => {
    if (event.kind === "state") onState?.(event.message);
    for (const line of formatProgress(prefix, event)) io.log(line);
  };
}

export function printResult(io: CommandIO, result: DeployResult, json: boolean): number {
  io.out(json ? JSON.stringify(result, null, 2) : renderReport(result));
  return DEPLOY_EXIT[result.status];
}

/**
 * Runs deploy-service or rollback under the signal trap and prints its result. An error
 * before any change is thrown on (main prints it and maps the exit code); with --json it is
 * first printed as `{"status":"error",...}` so a machine reading stdout always gets an answer.
 * An interrupt before any change exits 130: nothing was changed.
 */
export async function runEcsVerb(
  values: OptionValues,
  io: CommandIO,
  command: string,
  verb: (request: ServiceVerbOptions) => Promise<DeployResult>,
): Promise<number> {
  const json = values.json === true;
  const interrupts = trapInterrupts(io);
  try {
    const request = await ecsRequest(values, io, command, interrupts.note);
    const result = await verb({ ...request, signal: interrupts.signal });
    return printResult(io, result, json);
  } catch (err) {
    if (err instanceof Interrupted) {
      io.log(`${command}: ${err.message} before any change; nothing was changed.`);
      if (json) io.out(JSON.stringify({ status: "interrupted", changed: false, reason: err.message }, null, 2));
      return INTERRUPTED_EXIT;
    }
    if (json && err instanceof PipelineError) {
      const error = { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
      const preflight = err instanceof PreflightFailed ? { preflight: err.checks } : {};
      io.out(JSON.stringify({ status: "error", changed: false, error, ...preflight }, null, 2));
    }
    throw err;
  } finally {
    interrupts.dispose();
  }
}

/** Validates the shared options and the environment before anything talks to AWS. */
export async function ecsRequest(
  values: OptionValues,
  io: CommandIO,
  command: string,
  onState?: (state: string) => void,
): Promise<ServiceVerbOptions> {
  const envName = requireString(values, "env", command);
  const service = requireString(values, "service", command);
  const env = await loadEnvironment(envName, { root: io.cwd, vars: io.env });
  const cfg = findService(env, service);
  const roleArn = checkedRoleArn(optionalString(values, "role-arn"), env);
  const confirm = optionalString(values, "confirm");
  const healthUrl = checkedHealthUrl(optionalString(values, "health-url"));
  const keepRevisions = optionalInt(values, "keep-revisions", 1, "a whole number from 1 to 1000", 1000);
  const registry = optionalString(values, "registry");
  if (registry !== undefined) ourRegistry(env, { registry }); // refused before any AWS call when it cannot apply
  return {
    env,
    service,
    dryRun: values["dry-run"] === true,
    credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
    timing: timingFrom(values),
    onProgress: progressTo(io, `${cfg.ecs.service}/${cfg.ecs.cluster}`, onState),
    ...(confirm ? { confirm } : {}),
    ...(healthUrl ? { healthUrl } : {}),
    ...(keepRevisions !== undefined ? { keepRevisions } : {}),
    ...(registry !== undefined ? { preflight: { registry } } : {}),
  };
}

/** --role-arn must be a role ARN in the environment's own account and partition. */
function checkedRoleArn(arn: string | undefined, env: EnvironmentConfig): string | undefined {
  if (arn === undefined) return undefined;
  if (!parseRoleArn(arn)) {
    throw userError(
      "cli.bad-role-arn",
      `--role-arn: found "${arn}", expected an IAM role ARN such as arn:aws:iam::${env.aws.accountId}:role/NAME`,
      "Pass the full ARN of the role to assume, or leave --role-arn out to use the environment's deploy role.",
    );
  }
  const wanted = roleMismatch(arn, env.aws.accountId, env.aws.region);
  if (wanted) {
    throw userError(
      "cli.bad-role-arn",
      `--role-arn: found "${arn}", expected ${wanted} (environment ${env.name})`,
      `Pass a role of account ${env.aws.accountId}; every change is refused in any other account.`,
    );
  }
  return arn;
}

/** --health-url: an http(s) URL; file:, data: and the like are refused. */
function checkedHealthUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let protocol = "";
  try {
    protocol = new URL(url).protocol;
  } catch {
    // handled below
  }
  if (protocol !== "http:" && protocol !== "https:") {
    throw userError(
      "cli.bad-health-url",
      `--health-url: found "${url}", expected an http or https URL`,
      "Pass the service's public health URL, e.g. https://app.example.com/health.",
    );
  }
  return url;
}

const REVISION_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):task-definition\/[A-Za-z0-9_-]+:\d+$/;

/**
 * --revision: a number, family:number or a task-definition ARN of the environment's own
 * account and region (an ARN of another account names a revision ECS would never start here).
 */
export function checkedRevision(revision: string | undefined, env: EnvironmentConfig): string | undefined {
  if (revision === undefined) return undefined;
  const usage = "Pass a revision number (e.g. 7), family:number, or a task-definition ARN of this environment.";
  if (/^\d+$/.test(revision) || /^[A-Za-z0-9_-]{1,255}:\d+$/.test(revision)) {
    if (Number(revision.split(":").pop()) < 1) {
      throw userError(
        "ecs.bad-revision",
        `--revision: found "${revision}", expected a revision number of 1 or more`,
        usage,
      );
    }
    return revision;
  }
  const arn = REVISION_ARN.exec(revision);
  if (!arn) {
    throw userError(
      "ecs.bad-revision",
      `--revision: found "${revision}", expected a number, family:number or a task-definition ARN`,
      usage,
    );
  }
  const [, , region, account] = arn;
  if (account !== env.aws.accountId || region !== env.aws.region) {
    throw userError(
      "ecs.foreign-revision",
      `--revision: ${revision} is in account ${account} (${region}), but ${env.name} is account ${env.aws.accountId} (${env.aws.region})`,
      usage,
    );
  }
  return revision;
}
