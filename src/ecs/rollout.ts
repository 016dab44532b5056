import type { Service } from "@aws-sdk/client-ecs";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { awsError } from "./api.js";
import type { EcsContext } from "./context.js";
import { checkContainers, checkedContainers } from "./container-health.js";
import { verifyHealth, type HealthResult } from "./health.js";
import type { ProgressSink } from "./progress.js";
import type { DeployResult, Restore } from "./result.js";
import { describeTaskDefinition, targetGroupsOf } from "./service.js";
import { confirmEcsRollback, contradicts, ecsRollingBack, latestVerdict, recordStart } from "./ecs-verdict.js";
import { newTrail, type ServiceDeploymentTrail } from "./service-deployments.js";
import { watchRollout, type WatchOutcome } from "./watch/poller.js";
import { shortTaskDefinition } from "./watch/snapshot.js";
import { sameTaskDefinition, type WatchTarget } from "./watch/state.js";

/** Timing knobs; every one is an option so tests run in seconds. */
export interface Timing {
  /** How long one rollout may take. Default: the environment's deploy.timeoutSeconds. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  healthAttempts?: number;
  healthIntervalMs?: number;
  /** Longest pause between retries of a transient AWS error. Default 5 s. */
  retryCapMs?: number;
  /** One HTTP request's limit. Default 10 s. */
  requestTimeoutMs?: number;
}

export interface Rollout {
  ctx: EcsContext;
  cluster: string;
  ecsService: string;
  targetGroups: string[];
  healthUrl?: string;
  /** healthCheck.none's reason: the service deploys with nothing checked, on purpose. */
  unchecked?: string;
  timing: Timing & { timeoutMs: number };
  progress: ProgressSink;
  /** What was changed, in order, for the report (shared by every phase of one verb). */
  actions: string[];
  /** The task definition the service ran at the last good poll. */
  lastSeen?: string;
  /** SIGINT/SIGTERM: ends the waits at once. */
  signal?: AbortSignal;
  /** ECS's service deployments of this verb (ecs-verdict.ts). */
  serviceDeployments: ServiceDeploymentTrail;
}

export type RolloutOutcome =
  | { ok: true; health: HealthResult }
  | { ok: false; failure: NonNullable<DeployResult["failure"]>; watch?: WatchOutcome; health?: HealthResult };

export interface RolloutSetup {
  ctx: EcsContext;
  env: EnvironmentConfig;
  cfg: ServiceConfig;
  svc: Service;
  healthUrl?: string;
  /** Why nothing is checked, when the verb was told so (rollback --allow-unchecked). */
  unchecked?: string;
  timing?: Timing;
  progress: ProgressSink;
  signal?: AbortSignal;
}

/** Where and how a verb rolls out: the service's target groups, its health URL, the environment's timeout. */
export function rolloutFor(s: RolloutSetup): Rollout {
  const healthUrl = s.healthUrl ?? s.cfg.healthCheck.url;
  return {
    ctx: s.ctx,
    cluster: s.cfg.ecs.cluster,
    ecsService: s.cfg.ecs.service,
    targetGroups: targetGroupsOf(s.svc),
    progress: s.progress,
    actions: [],
    serviceDeployments: newTrail(),
    ...(s.signal ? { signal: s.signal } : {}),
    ...(healthUrl ? { healthUrl } : {}),
    ...(s.cfg.healthCheck.none
      ? { unchecked: `healthCheck.none: ${s.cfg.healthCheck.reason ?? ""}` }
      : s.unchecked
        ? { unchecked: s.unchecked }
        : {}),
    timing: { ...s.timing, timeoutMs: s.timing?.timeoutMs ?? s.env.deploy.timeoutSeconds * 1000 },
  };
}

/** The optional rollout settings a verb passes through unchanged. */
export function pick(o: { healthUrl?: string; timing?: Timing; signal?: AbortSignal }): {
  healthUrl?: string;
  timing?: Timing;
  signal?: AbortSignal;
} {
  return {
    ...(o.healthUrl ? { healthUrl: o.healthUrl } : {}),
    ...(o.timing ? { timing: o.timing } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
}

/** UpdateService to `taskDefinition`, then the id of the deployment ECS started for it. */
export async function startDeployment(r: Rollout, taskDefinition: string, force: boolean): Promise<WatchTarget> {
  let out;
  const since = Date.now();
  try {
    out = await r.ctx.ecs.updateService({
      cluster: r.cluster,
      service: r.ecsService,
      taskDefinition,
      forceNewDeployment: force,
    });
  } catch (err) {
    throw awsError(`update service ${r.ecsService} to ${shortTaskDefinition(taskDefinition)}`, err);
  }
  recordStart(r, out.service, since);
  const primary = out.service?.deployments?.find((d) => d.status === "PRIMARY");
  r.actions.push(
    `UpdateService to ${shortTaskDefinition(taskDefinition)}${force ? " (forced)" : ""}: deployment ${primary?.id ?? "(id unknown)"}`,
  );
  r.progress({
    kind: "step",
    message: `service updated to ${shortTaskDefinition(taskDefinition)}; deployment ${primary?.id ?? "(id unknown)"}`,
  });
  return { taskDefinition, ...(primary?.id ? { deploymentId: primary.id } : {}) };
}

/**
 * Waits for the target deployment, then checks health. Never calls a rolled-back or FAILED
 * rollout a success. `ours`: the rollout is the one this verb started last, whose service
 * deployment ECS then asks (false while waiting for ECS's own rollback: restore confirms that).
 */
export async function awaitRollout(
  r: Rollout,
  target: WatchTarget,
  since: number,
  ours = true,
): Promise<RolloutOutcome> {
  const stoppedTasks: string[] = [];
  r.progress({
    kind: "step",
    message: `waiting up to ${Math.round(r.timing.timeoutMs / 1000)}s for ${shortTaskDefinition(target.taskDefinition)} to be stable`,
  });
  const watched = await watchRollout({
    ecs: r.ctx.ecs,
    cluster: r.cluster,
    service: r.ecsService,
    target,
    since,
    timeoutMs: r.timing.timeoutMs,
    ...(r.timing.pollIntervalMs ? { pollIntervalMs: r.timing.pollIntervalMs } : {}),
    ...(r.timing.maxPollIntervalMs ? { maxPollIntervalMs: r.timing.maxPollIntervalMs } : {}),
    onChange: (change) => {
      if (change.kind === "stopped-task")
        stoppedTasks.push(`${change.taskId} (${change.taskDefinition}): ${change.reason}`);
      r.progress({ kind: "watch", change });
    },
    onThrottled: (retryInMs) => r.progress({ kind: "throttled", retryInMs }),
    ...(r.signal ? { signal: r.signal } : {}),
  });
  if (watched.last) r.lastSeen = watched.last.taskDefinition;
  const outcome = watched.outcome;
  const ecs = ours ? await latestVerdict(r) : undefined;
  if (outcome.kind !== "completed") {
    const stage = outcome.kind === "timeout" ? "timeout" : "rollout";
    return { ok: false, failure: { stage, reason: outcome.reason, stoppedTasks }, watch: outcome };
  }
  const contradiction = contradicts(ecs);
  if (contradiction) return { ok: false, failure: { stage: "rollout", reason: contradiction, stoppedTasks } };
  r.progress({
    kind: "step",
    message: `rollout of ${shortTaskDefinition(target.taskDefinition)} completed after ${watched.polls} polls; checking health`,
  });
  const health = await checkHealth(r, target.taskDefinition);
  if (health.ok) return { ok: true, health };
  return {
    ok: false,
    failure: { stage: "health", reason: health.details.join("; "), stoppedTasks },
    watch: outcome,
    health,
  };
}

/** Health of `revision` as the service runs it: ALB targets, its checked containers, the URL. */
export async function checkHealth(r: Rollout, revision: string): Promise<HealthResult> {
  const checked = checkedContainers((await describeTaskDefinition(r.ctx.ecs, revision)).taskDefinition);
  const where = { cluster: r.cluster, service: r.ecsService };
  return verifyHealth({
    elb: r.ctx.elb,
    targetGroupArns: r.targetGroups,
    ...(r.healthUrl ? { url: r.healthUrl } : {}),
    ...(checked.length > 0
      ? {
          containers: {
            names: checked.map((c) => c.name),
            probe: () => checkContainers(r.ctx.ecs, where, revision, checked),
          },
        }
      : {}),
    unchecked:
      r.unchecked ??
      `${shortTaskDefinition(revision)} defines no container health check, and the service has no target group and no health URL: nothing to check`,
    ...(r.timing.healthAttempts ? { attempts: r.timing.healthAttempts } : {}),
    ...(r.timing.healthIntervalMs !== undefined ? { intervalMs: r.timing.healthIntervalMs } : {}),
    onAttempt: (a) => r.progress({ kind: "health", ...a }),
    ...(r.signal ? { signal: r.signal } : {}),
  });
}

/**
 * Brings the service back to `to` after a failed rollout and waits for it to be stable and
 * healthy. When ECS's circuit breaker already rolls back to `to`, waits for that deployment
 * instead of starting another. After a forced deployment of the running revision there is
 * nothing to go back to: another forced deployment would pull the same tag again, so only
 * ECS's own rollback is waited for.
 */
export async function restore(
  r: Rollout,
  to: string,
  failed: WatchOutcome | undefined,
  forced: boolean,
): Promise<Restore> {
  const watched = failed?.kind === "rolled-back-by-ecs" && sameTaskDefinition(failed.to, to) ? failed : undefined;
  // A forced redeploy's "revision that ran before" is itself: nothing to wait for either way.
  const byEcs = watched !== undefined || (!forced && ecsRollingBack(r));
  if (!byEcs && forced) {
    return {
      to,
      by: "deployer",
      ok: false,
      reason: `not attempted: the failed deployment was a forced redeploy of ${shortTaskDefinition(to)} itself, and forcing it again would pull the same tag`,
    };
  }
  r.progress({
    kind: "step",
    message: byEcs
      ? `ECS is rolling back to ${shortTaskDefinition(to)}; waiting for it`
      : `rolling back to ${shortTaskDefinition(to)}`,
  });
  const since = Date.now();
  const target: WatchTarget = byEcs
    ? { taskDefinition: to, ...(watched?.rollbackDeploymentId ? { deploymentId: watched.rollbackDeploymentId } : {}) }
    : await startDeployment(r, to, false);
  r.progress({ kind: "state", message: `restore of ${shortTaskDefinition(to)} requested, not yet verified` });
  const back = await awaitRollout(r, target, since, !byEcs);
  const by = byEcs ? ("ecs-circuit-breaker" as const) : ("deployer" as const);
  const unhealthy = !back.ok && back.failure.stage === "health";
  const result: Restore = back.ok
    ? { to, by, ok: true }
    : {
        to,
        by,
        ok: false,
        ...(unhealthy ? { unhealthy } : {}),
        reason: `${back.failure.stage}: ${back.failure.reason}`,
      };
  // Only ECS's service deployment says whether its own rollback worked.
  return byEcs ? confirmEcsRollback(r, result) : result;
}
