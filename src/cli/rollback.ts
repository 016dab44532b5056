import { findService, loadEnvironment } from "../config/load.js";
import { rollback } from "../ecs/rollback.js";
import { requireString, type Command } from "./command.js";
import {
  optionalInt,
  optionalString,
  printResult,
  progressTo,
  sharedEcsOptions,
  sharedEcsUsage,
  timingFrom,
} from "./ecs-options.js";

/**
 * rollback: return an ECS service to an explicit revision, or by default to the last
 * revision recorded as stable before the current one. Same exit codes as deploy-service.
 */
export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Roll an ECS service back to a revision (default: the last stable one before the current)",
  usage: `rollback ${sharedEcsUsage.replace("--service NAME", "--service NAME [--revision N|family:N|ARN]")}`,
  options: { ...sharedEcsOptions, revision: { type: "string" } },
  async run(values, _positionals, io) {
    const envName = requireString(values, "env", "rollback");
    const serviceName = requireString(values, "service", "rollback");
    const env = await loadEnvironment(envName, { root: io.cwd });
    const cfg = findService(env, serviceName);
    const roleArn = optionalString(values, "role-arn");
    const confirm = optionalString(values, "confirm");
    const healthUrl = optionalString(values, "health-url");
    const revision = optionalString(values, "revision");
    const keepRevisions = optionalInt(values, "keep-revisions", 1);
    const result = await rollback({
      env,
      service: serviceName,
      dryRun: values["dry-run"] === true,
      credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
      timing: timingFrom(values),
      onProgress: progressTo(io, `${cfg.ecs.service}/${cfg.ecs.cluster}`),
      ...(revision ? { revision } : {}),
      ...(confirm ? { confirm } : {}),
      ...(healthUrl ? { healthUrl } : {}),
      ...(keepRevisions !== undefined ? { keepRevisions } : {}),
    });
    return printResult(io, result, values.json === true);
  },
};
