import { findService, loadEnvironment } from "../config/load.js";
import { deployService } from "../ecs/deploy.js";
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
 * deploy-service: roll a new image out to one ECS service, with the account guard, a diff,
 * a watched rollout, a health check and an automatic rollback on failure.
 * Exit codes: 0 deployed (or dry run), 1 failed and restored, 5 failed and NOT restored,
 * 2 bad input, 3 AWS error before any change.
 */
export const deployServiceCommand: Command = {
  name: "deploy-service",
  summary: "Deploy an image to an ECS service: guard, diff, register, update, wait, verify, roll back on failure",
  usage: `deploy-service ${sharedEcsUsage.replace("--service NAME", "--service NAME --image REF")}`,
  options: { ...sharedEcsOptions, image: { type: "string" } },
  async run(values, _positionals, io) {
    const envName = requireString(values, "env", "deploy-service");
    const serviceName = requireString(values, "service", "deploy-service");
    const image = requireString(values, "image", "deploy-service");
    const env = await loadEnvironment(envName, { root: io.cwd });
    const cfg = findService(env, serviceName);
    const roleArn = optionalString(values, "role-arn");
    const confirm = optionalString(values, "confirm");
    const healthUrl = optionalString(values, "health-url");
    const keepRevisions = optionalInt(values, "keep-revisions", 1);
    const result = await deployService({
      env,
      service: serviceName,
      image,
      dryRun: values["dry-run"] === true,
      credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
      timing: timingFrom(values),
      onProgress: progressTo(io, `${cfg.ecs.service}/${cfg.ecs.cluster}`),
      ...(confirm ? { confirm } : {}),
      ...(healthUrl ? { healthUrl } : {}),
      ...(keepRevisions !== undefined ? { keepRevisions } : {}),
    });
    return printResult(io, result, values.json === true);
  },
};
