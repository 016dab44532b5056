import { deployService } from "../ecs/deploy.js";
import { requireString, type Command } from "./command.js";
import { runEcsVerb, sharedEcsOptions, sharedEcsUsage } from "./ecs-options.js";

/**
 * deploy-service: roll a new image out to one ECS service, with the account guard, a diff,
 * a watched rollout, a health check and an automatic rollback on failure.
 * Exit codes: 0 deployed (or dry run), 1 failed and restored, 5 failed and NOT restored
 * (or interrupted after the first change: restore started, not verified), 2 bad input,
 * 3 AWS error before any change, 130 interrupted before any change. Before any change it
 * runs the pre-flight checks (src/ecs/preflight.ts): a failed one is bad input (exit 2).
 */
export const deployServiceCommand: Command = {
  name: "deploy-service",
  summary: "Deploy an image to an ECS service: guard, diff, register, update, wait, verify, roll back on failure",
  usage: `deploy-service ${sharedEcsUsage.replace("--service NAME", "--service NAME --image REF")} [--allow-foreign-image] [--allow-unscanned]`,
  options: {
    ...sharedEcsOptions,
    image: { type: "string" },
    "allow-foreign-image": { type: "boolean", default: false },
    "allow-unscanned": { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const image = requireString(values, "image", "deploy-service");
    // The pre-flight bypasses: each is printed as a warning and kept in the report.
    const bypass = {
      ...(values["allow-foreign-image"] === true ? { allowForeignImage: true } : {}),
      ...(values["allow-unscanned"] === true ? { allowUnscanned: true } : {}),
    };
    return runEcsVerb(values, io, "deploy-service", (request) =>
      deployService({ ...request, image, preflight: { ...request.preflight, ...bypass } }),
    );
  },
};
