import { findService } from "../config/load.js";
import { renderStatus, status } from "../ecs/status.js";
import { type Command, environmentOption, optionalInt, optionalString } from "./command.js";

/**
 * status: what runs where, read-only. Per service of an environment (or one): the running
 * revision and image digests, the deployment state, and the recorded history newest first
 * with marks, time and commit; what a person reads before choosing a rollback revision.
 */
export const statusCommand: Command = {
  name: "status",
  summary: "Show each service's running revision, image, deployment state and recent history (read-only)",
  usage: "status --env NAME [--service NAME] [--depth N] [--role-arn ARN] [--json]",
  options: {
    env: { type: "string" },
    service: { type: "string" },
    depth: { type: "string" },
    "role-arn": { type: "string" },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "status");
    const service = optionalString(values, "service");
    if (service) findService(env, service); // an unknown service is bad input, before any AWS call
    const roleArn = optionalString(values, "role-arn");
    const depth = optionalInt(values, "depth", 1);
    const all = await status({
      env,
      credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
      ...(service ? { service } : {}),
      ...(depth !== undefined ? { depth } : {}),
    });
    io.out(
      values.json === true ? JSON.stringify({ env: env.name, services: all }, null, 2) : renderStatus(env.name, all),
    );
    return 0;
  },
};
