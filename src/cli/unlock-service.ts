import { findService } from "../config/load.js";
import { connect } from "../ecs/context.js";
import { describeHolder, forceUnlock, lockPlace } from "../ecs/lock.js";
import { type Command, environmentOption, optionalString, requireString } from "./command.js";

/**
 * unlock-service: removes the rollout lock of one service, by the id the refusal printed
 * (like `terraform force-unlock ID`). Only for a holder that died: a live deploy whose lock
 * is removed no longer keeps others out. Exit 0 removed, 2 no lock or another id.
 */
export const unlockServiceCommand: Command = {
  name: "unlock-service",
  summary: "Remove a service's rollout lock left by a deploy or rollback that died (by the id the refusal printed)",
  usage: "unlock-service --env NAME --service NAME --lock-id ID [--role-arn ARN]",
  options: {
    env: { type: "string" },
    service: { type: "string" },
    "lock-id": { type: "string" },
    "role-arn": { type: "string" },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "unlock-service");
    const cfg = findService(env, requireString(values, "service", "unlock-service"));
    const id = requireString(values, "lock-id", "unlock-service");
    const roleArn = optionalString(values, "role-arn");
    const ctx = await connect(env, {
      credentials: { vars: io.env, ...(roleArn ? { roleArn } : {}) },
      progress: () => {},
    });
    try {
      const place = lockPlace(env.terraform.backend.bucket, cfg.ecs.cluster, cfg.ecs.service);
      const holder = await forceUnlock(ctx.s3, place, id);
      io.out(`unlocked ${cfg.name} in ${env.name}: removed the lock of ${describeHolder(holder)}`);
      return 0;
    } finally {
      ctx.close();
    }
  },
};
