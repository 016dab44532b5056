import { PipelineError } from "../errors.js";
import { withServiceDeployments } from "./ecs-verdict.js";
import { pruneRevisions } from "./history.js";
import { abandon, failureOf, mark, recover } from "./recover.js";
import { Interrupted, short, transientKind } from "./resilience.js";
import type { DeployResult, Failure } from "./result.js";
import { awaitRollout, startDeployment, type Rollout, type RolloutOutcome } from "./rollout.js";
import { shortTaskDefinition } from "./watch/snapshot.js";
import type { WatchTarget } from "./watch/state.js";

export interface SettleOptions {
  /** Tag `from` stable again once restored and healthy (a deploy's `from` was seen stable; a rollback's may not be). */
  restoredIsStable: boolean;
  /** Deregister ACTIVE revisions beyond the newest N, after a success. */
  keepRevisions?: number;
  family: string;
}

/**
 * The part deploy and rollback share, from the first change on: roll `base.to` out, wait,
 * check health; on success record it as stable; on any failure (including an AWS error that
 * would not go away, or an interrupt) go back to `base.from` and report what failed, what
 * was done and what the service runs now. Never throws: after UpdateService every path ends
 * in a result (succeeded, failed-restored, failed-not-restored).
 */
export async function settle(
  r: Rollout,
  base: DeployResult,
  started: number,
  options: SettleOptions,
): Promise<DeployResult> {
  return withServiceDeployments(r, await settleRollout(r, base, started, options));
}

async function settleRollout(
  r: Rollout,
  base: DeployResult,
  started: number,
  options: SettleOptions,
): Promise<DeployResult> {
  const since = Date.now();
  r.ctx.budget.deadline = since + r.timing.timeoutMs;
  let target: WatchTarget;
  try {
    target = await startDeployment(r, base.to, base.forcedNewDeployment);
  } catch (err) {
    const failure = failureOf(err, "update");
    if (err instanceof Interrupted || transientKind(err) || isUnavailable(err)) {
      // The request may have reached ECS: treat the service as changed.
      return failure.stage === "interrupted"
        ? abandon(r, base, failure, started)
        : recover(r, base, { ok: false, failure }, started, options);
    }
    return unchanged(r, base, failure, started);
  }
  r.progress({
    kind: "state",
    message: `rolling out ${shortTaskDefinition(base.to)}; ${shortTaskDefinition(base.from)} serves until it completes`,
  });
  let outcome: RolloutOutcome;
  try {
    outcome = await awaitRollout(r, target, since);
  } catch (err) {
    outcome = { ok: false, failure: failureOf(err, "aws") };
  }
  if (outcome.ok) return succeed(r, base, outcome, started, options);
  if (outcome.failure.stage === "interrupted") return abandon(r, base, outcome.failure, started);
  return recover(r, base, outcome, started, options);
}

async function succeed(
  r: Rollout,
  base: DeployResult,
  outcome: Extract<RolloutOutcome, { ok: true }>,
  started: number,
  options: SettleOptions,
): Promise<DeployResult> {
  r.ctx.budget.deadline = Date.now() + 30_000;
  const warnings: string[] = [];
  await mark(r, base.to, "stable", warnings);
  let deregistered: string[] = [];
  if (options.keepRevisions !== undefined) {
    deregistered = await pruneRevisions(
      r.ctx.ecs,
      options.family,
      options.keepRevisions,
      [base.to, base.from],
      r.progress,
    ).catch((err: unknown) => {
      warnings.push(`old revisions not pruned: ${short(err)}`);
      return [];
    });
  }
  return {
    ...base,
    status: "succeeded",
    running: base.to,
    health: outcome.health,
    actions: r.actions,
    warnings,
    deregistered,
    durationMs: Date.now() - started,
  };
}

/** ECS refused UpdateService outright: the service never changed; say so, and record the revision as failed. */
async function unchanged(r: Rollout, base: DeployResult, failure: Failure, started: number): Promise<DeployResult> {
  r.ctx.budget.deadline = Date.now() + 30_000;
  const warnings: string[] = [];
  if (base.to !== base.from) await mark(r, base.to, "failed", warnings);
  r.progress({ kind: "warning", message: `${base.verb} failed before the service changed: ${failure.reason}` });
  return {
    ...base,
    status: "failed-restored",
    failure,
    running: base.from,
    actions: r.actions,
    warnings,
    durationMs: Date.now() - started,
  };
}

function isUnavailable(err: unknown): boolean {
  return err instanceof PipelineError && err.code === "aws.unavailable";
}
