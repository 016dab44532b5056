import { userError } from "../errors.js";
import { formatProgress, type ProgressSink } from "../ecs/progress.js";
import type { DeployResult } from "../ecs/result.js";
import { DEPLOY_EXIT, renderReport } from "../ecs/result.js";
import type { Timing } from "../ecs/rollout.js";
import type { CommandIO, OptionSpec, OptionValues } from "./command.js";

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

export function optionalString(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

export function optionalInt(values: OptionValues, name: string, min: number): number | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw userError("cli.bad-number", `--${name}: found "${raw}", expected a whole number >= ${min}`);
  }
  return n;
}

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
