import { findService, loadEnvironment } from "../config/load.js";
import type { ServiceVerbOptions } from "../ecs/options.js";
import { formatProgress, type ProgressSink } from "../ecs/progress.js";
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
};

export const sharedEcsUsage =
  "--env NAME --service NAME [--confirm ENV] [--dry-run] [--json] [--role-arn ARN] [--timeout-seconds N] [--poll-interval-ms N] [--health-url URL] [--health-attempts N] [--health-interval-ms N] [--keep-revisions N]";

export function timingFrom(values: OptionValues): Timing {
  const timeout = optionalInt(values, "timeout-seconds", 1);
  const poll = optionalInt(values, "poll-interval-ms", 50);
  const attempts = optionalInt(values, "health-attempts", 1);
  const interval = optionalInt(values, "health-interval-ms", 0);
  return {
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(poll !== undefined ? { pollIntervalMs: poll } : {}),
    ...(attempts !== undefined ? { healthAttempts: attempts } : {}),
    ...(interval !== undefined ? { healthIntervalMs: interval } : {}),
  };
}

/** Progress lines go to the log stream, prefixed `service/cluster`, so stdout stays the result. */
export function progressTo(io: CommandIO, prefix: string): ProgressSink {
  return (event) => {
    for (const line of formatProgress(prefix, event)) io.log(line);
  };
}

export function printResult(io: CommandIO, result: DeployResult, json: boolean): number {
  io.out(json ? JSON.stringify(result, null, 2) : renderReport(result));
  return DEPLOY_EXIT[result.status];
}

/** Validates the shared options and the environment before anything talks to AWS. */
export async function ecsRequest(values: OptionValues, io: CommandIO, command: string): Promise<ServiceVerbOptions> {
  const envName = requireString(values, "env", command);
  const service = requireString(values, "service", command);
  const env = await loadEnvironment(envName, { root: io.cwd });
  const cfg = findService(env, service);
  const roleArn = optionalString(values, "role-arn");
  const confirm = optionalString(values, "confirm");
  const healthUrl = optionalString(values, "health-url");
  const keepRevisions = optionalInt(values, "keep-revisions", 1);
  return {
    env,
    service,
    dryRun: values["dry-run"] === true,
    credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
    timing: timingFrom(values),
    onProgress: progressTo(io, `${cfg.ecs.service}/${cfg.ecs.cluster}`),
    ...(confirm ? { confirm } : {}),
    ...(healthUrl ? { healthUrl } : {}),
    ...(keepRevisions !== undefined ? { keepRevisions } : {}),
  };
}
