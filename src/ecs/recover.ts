import { describeError } from "../errors.js";
import { markRevision, type HistoryScope, type RevisionStatus } from "./history.js";
import { Interrupted, short } from "./resilience.js";
import type { DeployResult, Failure, Restore } from "./result.js";
import { restore, type Rollout, type RolloutOutcome } from "./rollout.js";
import type { SettleOptions } from "./settle.js";
import { shortTaskDefinition } from "./watch/snapshot.js";

/** How long an interrupted verb may spend asking ECS to go back before it reports and exits. */
export const INTERRUPT_RESTORE_MS = 4000;

/** An error thrown after the first change, as the failure the report names. */
export function failureOf(err: unknown, stage: Failure["stage"]): Failure {
  if (err instanceof Interrupted) return { stage: "interrupted", reason: err.message, stoppedTasks: [] };
  return { stage, reason: describeError(err).replace(/\n/g, " "), stoppedTasks: [] };
}

/**
 * After a failed rollout: record the revision as failed, go back to `base.from` and wait
 * for it (with a fresh deadline), then look at what the service runs. An interrupt during
 * the restore ends it as "restore started, not verified"; an error that does not go away
 * ends it as NOT restored. Never throws.
 */
export async function recover(
  r: Rollout,
  base: DeployResult,
  outcome: Extract<RolloutOutcome, { ok: false }>,
  started: number,
  options: SettleOptions,
): Promise<DeployResult> {
  const failure = outcome.failure;
  const warnings: string[] = [];
  r.progress({ kind: "warning", message: `${base.verb} failed (${failure.stage}): ${failure.reason}` });
  r.ctx.budget.deadline = Date.now() + r.timing.timeoutMs;
  let back: Restore;
  try {
    back = await restore(r, base.from, outcome.watch, base.to === base.from);
  } catch (err) {
    if (err instanceof Interrupted)
      return abandon(r, base, { ...failure, reason: `${failure.reason}; then ${err.message}` }, started);
    back = { to: base.from, by: "deployer", ok: false, reason: `could not finish: ${short(err)}` };
  }
  // The restore comes first; the history marks get their own, shorter deadline.
  r.ctx.budget.deadline = Date.now() + Math.min(30_000, r.timing.timeoutMs);
  if (base.to !== base.from) await mark(r, base.to, "failed", warnings);
  const now = await runningNow(r, base);
  const restored = back.ok && now.running === base.from;
  if (restored && options.restoredIsStable) await mark(r, base.from, "stable", warnings);
  if (back.unhealthy) await mark(r, base.from, "restored-unhealthy", warnings);
  return {
    ...base,
    status: restored ? "failed-restored" : "failed-not-restored",
    failure,
    restore: back,
    running: now.running,
    ...(now.unverified ? { runningUnverified: true } : {}),
    ...(outcome.health ? { health: outcome.health } : {}),
    actions: r.actions,
    warnings: [...warnings, ...now.warnings],
    durationMs: Date.now() - started,
  };
}

/**
 * Interrupted after the first change (SIGINT/SIGTERM, a CI cancel): ask ECS to go back to
 * `base.from` at once, on clients the interrupt does not cancel and with a few seconds at
 * most, record the abandoned revision, and report "restore started, not verified". The
 * caller exits 5: nobody watched the restore finish.
 */
export async function abandon(
  r: Rollout,
  base: DeployResult,
  failure: Failure,
  started: number,
): Promise<DeployResult> {
  const deadline = Date.now() + INTERRUPT_RESTORE_MS;
  const { ecs } = r.ctx.detached(deadline);
  const warnings: string[] = [];
  let reason: string;
  let running = base.to;
  const forced = base.to === base.from;
  if (forced) {
    reason = `restore NOT started: the interrupted deployment forced ${shortTaskDefinition(base.from)} itself; ECS carries it on`;
  } else {
    try {
      const out = await ecs.updateService({ cluster: r.cluster, service: r.ecsService, taskDefinition: base.from });
      running = out.service?.taskDefinition ?? base.from;
      r.actions.push(`UpdateService back to ${shortTaskDefinition(base.from)} (on interrupt)`);
      reason = "restore started, not verified";
    } catch (err) {
      reason = `restore NOT started: ${short(err)}`;
    }
  }
  r.progress({ kind: "state", message: `${reason}; the service may still run ${shortTaskDefinition(base.to)}` });
  if (!forced) {
    await markRevision(ecs, base.to, "interrupted", new Date(), scopeOf(r)).then(
      () => r.actions.push(`marked ${shortTaskDefinition(base.to)} interrupted`),
      (err: unknown) =>
        warnings.push(`history: ${shortTaskDefinition(base.to)} NOT marked interrupted (${short(err)})`),
    );
  }
  return {
    ...base,
    status: "failed-not-restored",
    failure,
    restore: { to: base.from, by: "deployer", ok: false, reason },
    running,
    runningUnverified: true,
    actions: r.actions,
    warnings,
    durationMs: Date.now() - started,
  };
}

/** What the service runs at the end, with a short deadline; the last revision seen when ECS does not answer. */
async function runningNow(
  r: Rollout,
  base: DeployResult,
): Promise<{ running: string; unverified: boolean; warnings: string[] }> {
  const { ecs } = r.ctx.detached(Date.now() + Math.min(15_000, r.timing.timeoutMs));
  try {
    const out = await ecs.describeServices({ cluster: r.cluster, services: [r.ecsService] });
    return { running: out.services?.[0]?.taskDefinition ?? "", unverified: false, warnings: [] };
  } catch (err) {
    return {
      running: r.lastSeen ?? base.to,
      unverified: true,
      warnings: [`could not read what the service runs now: ${short(err)}`],
    };
  }
}

/** Writes a history mark; a mark that cannot be written is a warning in the report, never the outcome. */
export async function mark(r: Rollout, arn: string, status: RevisionStatus, warnings: string[]): Promise<void> {
  try {
    await markRevision(r.ctx.ecs, arn, status, new Date(), scopeOf(r));
    r.actions.push(`marked ${shortTaskDefinition(arn)} ${status}`);
  } catch (err) {
    warnings.push(`history: ${shortTaskDefinition(arn)} NOT marked ${status} (${short(err)})`);
  }
}

/** Whose history a rollout writes: its cluster and service. */
export function scopeOf(r: Rollout): HistoryScope {
  return { cluster: r.cluster, service: r.ecsService };
}
