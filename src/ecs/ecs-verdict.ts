import type { Service } from "@aws-sdk/client-ecs";
import type { DeployResult, Restore } from "./result.js";
import type { Rollout } from "./rollout.js";
import {
  awaitRollbackOutcome,
  describeView,
  NOT_DONE,
  readServiceDeployment,
  ROLLING_BACK,
  type ServiceDeploymentView,
} from "./service-deployments.js";

/**
 * Where the deployer asks ECS's service deployments (service-deployments.ts) for the verdict:
 * once when a rollout ends (a few calls a verb, never per poll: the watcher's DescribeServices
 * budget is its own), and after ECS's own rollback, which only the service deployment says
 * succeeded or failed.
 */

/** Each read gets this long (retries of transient errors included) before the API counts as unavailable. */
const READ_MS = 5000;
/** How long DescribeServices may run ahead of the service deployment after ECS's rollback settled. */
const SETTLE_MS = 30_000;

/** After UpdateService: the service deployment ECS started (its ARN, when the answer names it). */
export function recordStart(r: Rollout, svc: Service | undefined, since: number): void {
  const arn = svc?.currentServiceDeployment;
  r.serviceDeployments.started.push({ since, ...(arn ? { arn } : {}) });
}

/** What ECS says of the latest rollout this verb started; undefined when it cannot be read. */
export async function latestVerdict(r: Rollout): Promise<ServiceDeploymentView | undefined> {
  const last = r.serviceDeployments.started.at(-1);
  if (!last || r.serviceDeployments.unavailable) return undefined;
  const got = await readServiceDeployment(r.ctx.bounded(Date.now() + READ_MS).ecs, {
    cluster: r.cluster,
    service: r.ecsService,
    since: last.since,
    ...(last.arn ? { arn: last.arn } : {}),
  });
  return keep(r, got);
}

/** A rollout DescribeServices saw complete, but whose service deployment says it did not stand. */
export function contradicts(view: ServiceDeploymentView | undefined): string | undefined {
  if (!view || !NOT_DONE.has(view.status)) return undefined;
  return `DescribeServices showed the deployment steady, but ECS's service deployment says ${describeView(view)}`;
}

/**
 * After ECS's circuit breaker rolled back: the restore stands only if the service deployment
 * does not say ROLLBACK_FAILED. Waits a little for the outcome when DescribeServices is ahead;
 * when the API cannot be read, the DescribeServices verdict stands (with a warning).
 */
export async function confirmEcsRollback(r: Rollout, restore: Restore): Promise<Restore> {
  const last = r.serviceDeployments.started.at(-1);
  if (!last || r.serviceDeployments.unavailable) return restore;
  const got = await awaitRollbackOutcome(() => r.ctx.bounded(Date.now() + READ_MS).ecs, {
    cluster: r.cluster,
    service: r.ecsService,
    since: last.since,
    ...(last.arn ? { arn: last.arn } : {}),
    waitMs: restore.ok ? Math.min(SETTLE_MS, r.timing.timeoutMs) : 0,
    intervalMs: Math.max(r.timing.pollIntervalMs ?? 1000, 250),
    ...(r.signal ? { signal: r.signal } : {}),
  });
  const view = keep(r, got);
  if (!view) return restore;
  const confirmed: Restore = { ...restore, ecsStatus: view.status };
  if (view.status === "ROLLBACK_FAILED") {
    const { unhealthy: _ignored, ...rest } = confirmed;
    return { ...rest, ok: false, reason: `ECS reports ROLLBACK_FAILED: ${view.statusReason ?? "no reason given"}` };
  }
  if (restore.ok && ROLLING_BACK.has(view.status)) {
    r.serviceDeployments.notes.push(
      `ECS's service deployment still says ${view.status}; the restore is judged by DescribeServices (steady) and health`,
    );
  }
  if (view.rollback?.toRevision && !view.rollback.toRevisionRanBefore) {
    r.serviceDeployments.notes.push(
      `ECS rolled back to service revision ${view.rollback.toRevision}, which is not one that ran before this rollout`,
    );
  }
  return confirmed;
}

function keep(
  r: Rollout,
  got: { view?: ServiceDeploymentView; unavailable?: string },
): ServiceDeploymentView | undefined {
  if (got.unavailable) {
    r.serviceDeployments.unavailable = got.unavailable;
    // A step, not a warning: the rollout did not go wrong, only ECS's record of it is out of reach.
    r.progress({
      kind: "step",
      message: `ECS service deployments unreadable (${got.unavailable}): judging by DescribeServices alone`,
    });
  }
  if (got.view) {
    r.serviceDeployments.views.set(got.view.arn, got.view);
    r.serviceDeployments.latest = got.view;
  }
  return got.view;
}

/**
 * ECS's service deployment of the failed rollout says ECS itself is rolling back (requested,
 * under way or done) to a revision that ran before. DescribeServices can show the deployment
 * FAILED before ECS's rollback deployment appears; starting a rollback of our own then would
 * race ECS's, so the deployer waits for ECS's instead.
 */
export function ecsRollingBack(r: Rollout): boolean {
  const v = r.serviceDeployments.latest;
  return (
    v !== undefined &&
    (ROLLING_BACK.has(v.status) || v.status === "ROLLBACK_SUCCESSFUL") &&
    v.rollback?.toRevisionRanBefore === true
  );
}

/** The result with what ECS's service deployments said, and why they said nothing if they could not. */
export function withServiceDeployments(r: Rollout, result: DeployResult): DeployResult {
  const trail = r.serviceDeployments;
  const warnings = [...result.warnings, ...trail.notes];
  if (trail.unavailable) {
    warnings.push(
      `ECS service deployments not readable (${trail.unavailable}): verdict from DescribeServices alone; grant ecs:ListServiceDeployments and ecs:DescribeServiceDeployments to see ECS's own`,
    );
  }
  const views = [...trail.views.values()];
  return { ...result, warnings, ...(views.length > 0 ? { serviceDeployments: views } : {}) };
}
