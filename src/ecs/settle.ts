import { markRevision, pruneRevisions } from "./history.js";
import type { DeployResult } from "./result.js";
import { awaitRollout, restore, startDeployment, type Rollout } from "./rollout.js";
import { describeService } from "./service.js";

export interface SettleOptions {
  /** Tag `from` stable again once restored (a deploy's `from` is known good; a rollback's may not be). */
  restoredIsStable: boolean;
  /** Deregister ACTIVE revisions beyond the newest N, after a success. */
  keepRevisions?: number;
  family: string;
}

/**
 * The part deploy and rollback share: roll `base.to` out, wait, check health; on success
 * record it as stable; on failure record it as failed, go back to `base.from`, wait for that,
 * and report what failed and what the service runs now.
 */
export async function settle(
  r: Rollout,
  base: DeployResult,
  started: number,
  options: SettleOptions,
): Promise<DeployResult> {
  const since = Date.now();
  const target = await startDeployment(r, base.to, base.forcedNewDeployment);
  const outcome = await awaitRollout(r, target, since);
  if (outcome.ok) {
    await markRevision(r.ctx.ecs, base.to, "stable", new Date());
    const deregistered =
      options.keepRevisions === undefined
        ? []
        : await pruneRevisions(r.ctx.ecs, options.family, options.keepRevisions, [base.to, base.from], r.progress);
    return {
      ...base,
      status: "succeeded",
      running: base.to,
      health: outcome.health,
      deregistered,
      durationMs: Date.now() - started,
    };
  }
  r.progress({ kind: "warning", message: `${base.verb} failed (${outcome.failure.stage}): ${outcome.failure.reason}` });
  if (base.to !== base.from) await markRevision(r.ctx.ecs, base.to, "failed", new Date());
  const back = await restore(r, base.from, outcome.watch);
  const running = (await describeService(r.ctx.ecs, base.cluster, base.ecsService)).taskDefinition ?? "";
  const restored = back.ok && running === base.from;
  if (restored && options.restoredIsStable) await markRevision(r.ctx.ecs, base.from, "stable", new Date());
  return {
    ...base,
    status: restored ? "failed-restored" : "failed-not-restored",
    failure: outcome.failure,
    restore: back,
    running,
    ...(outcome.health ? { health: outcome.health } : {}),
    durationMs: Date.now() - started,
  };
}
