import type { Task } from "@aws-sdk/client-ecs";
import { PipelineError } from "../../errors.js";
import { awsError, isThrottling, type EcsApi } from "../api.js";
import { abortableSleep } from "../resilience.js";
import { initialState, reduce, sameTaskDefinition, type Outcome, type WatchChange, type WatchTarget } from "./state.js";
import { toSnapshot, type ServiceSnapshot } from "./snapshot.js";
import { Pacer, pacingFor } from "./pacing.js";
import { serviceTasks } from "../service.js";

export interface WatchOptions {
  ecs: EcsApi;
  cluster: string;
  service: string;
  target: WatchTarget;
  timeoutMs: number;
  /** Shortest pause between polls, right after a change (see pacing.ts); default 250 ms. */
  pollIntervalMs?: number;
  /** Ceiling of the backoff when AWS throttles. */
  maxPollIntervalMs?: number;
  /** Events created before this instant are history, not news. Default: now. */
  since?: number;
  onChange?: (change: WatchChange) => void;
  onThrottled?: (retryInMs: number) => void;
  /** Ends the pause between polls at once (SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

export type WatchOutcome = Outcome | { kind: "timeout"; reason: string };

export interface WatchResult {
  outcome: Exclude<WatchOutcome, { kind: "waiting" }>;
  polls: number;
  elapsedMs: number;
  last?: ServiceSnapshot;
}

export const DEFAULT_MAX_POLL_INTERVAL_MS = 8000;

/**
 * Polls DescribeServices (and the stopped tasks when failures appear) until the target
 * rollout completes, fails, is rolled back by ECS, or the timeout passes. The pause between
 * polls adapts (pacing.ts): short after a change, longer while nothing moves, one call per
 * 2 s on average at most. Throttling backs off further, up to the ceiling, until a good poll.
 */
export async function watchRollout(options: WatchOptions): Promise<WatchResult> {
  const pacing = pacingFor(options.pollIntervalMs);
  const ceiling = Math.max(pacing.maxIntervalMs, options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS);
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const pacer = new Pacer(started, pacing);
  let state = initialState(options.target, options.since ?? started);
  let backoff = 0;
  let polls = 0;
  let failedSeen = 0;
  let last: ServiceSnapshot | undefined;
  for (;;) {
    let snap: ServiceSnapshot | undefined;
    try {
      snap = await poll(options, failedSeen);
      backoff = 0;
    } catch (err) {
      // The clients ride out transient errors until the phase's deadline; giving up there is a timeout like any other.
      if (gaveUp(err)) {
        const reason = `${timeoutReason(options, last)}; ECS did not answer usefully at the end: ${(err as Error).message}`;
        return {
          outcome: { kind: "timeout", reason },
          polls,
          elapsedMs: Date.now() - started,
          ...(last ? { last } : {}),
        };
      }
      if (!isThrottling(err)) throw err;
      pacer.polled(Date.now(), false);
      backoff = Math.min(Math.max(backoff, pacing.minIntervalMs) * 2, ceiling);
      options.onThrottled?.(backoff);
    }
    if (snap) {
      polls += 1;
      last = snap;
      failedSeen = totalFailed(snap);
      const r = reduce(state, snap);
      state = r.state;
      pacer.polled(snap.at, r.changes.length > 0);
      for (const change of r.changes) options.onChange?.(change);
      if (r.outcome.kind !== "waiting") return { outcome: r.outcome, polls, elapsedMs: Date.now() - started, last };
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      return {
        outcome: { kind: "timeout", reason: timeoutReason(options, last) },
        polls,
        elapsedMs: Date.now() - started,
        ...(last ? { last } : {}),
      };
    }
    await abortableSleep(Math.min(Math.max(pacer.delay(Date.now()), backoff), left), options.signal);
  }
}

async function poll(options: WatchOptions, failedSeen: number): Promise<ServiceSnapshot> {
  const { ecs, cluster, service } = options;
  const out = await ecs.describeServices({ cluster, services: [service] }).catch((err: unknown) => {
    throw isThrottling(err) ? err : awsError(`describe service ${service} in cluster ${cluster}`, err);
  });
  const svc = out.services?.[0];
  if (!svc) throw awsError(`describe service ${service} in cluster ${cluster}`, new Error("service is gone"));
  const deploymentIds = new Set((svc.deployments ?? []).map((d) => d.id ?? ""));
  const failedNow = (svc.deployments ?? []).reduce((n, d) => n + (d.failedTasks ?? 0), 0);
  const stopped = failedNow > failedSeen ? await stoppedTasks(options, deploymentIds) : [];
  return toSnapshot(svc, stopped, Date.now());
}

async function stoppedTasks(options: WatchOptions, deploymentIds: Set<string>): Promise<Task[]> {
  // One page (the newest 100) per poll: enough to explain a failure, bounded in calls.
  const stopped = await serviceTasks(options.ecs, options, "STOPPED", 1);
  // Only the tasks of the revision being rolled out: those are the ones whose reasons explain a failure.
  return stopped.filter(
    (t) =>
      deploymentIds.has(t.startedBy ?? "") &&
      sameTaskDefinition(t.taskDefinitionArn ?? "", options.target.taskDefinition),
  );
}

function gaveUp(err: unknown): boolean {
  return err instanceof PipelineError && err.code === "aws.unavailable";
}

function totalFailed(snap: ServiceSnapshot): number {
  return snap.deployments.reduce((n, d) => n + d.failedTasks, 0);
}

function timeoutReason(options: WatchOptions, last: ServiceSnapshot | undefined): string {
  const seconds = Math.round(options.timeoutMs / 1000);
  if (!last) return `no answer from ECS within ${seconds}s`;
  const lines = last.deployments.map((d) =>
    `${d.status} ${d.rolloutState ?? ""} ${d.runningCount}/${d.desiredCount} running, ${d.pendingCount} pending, ${d.failedTasks} failed`.replace(
      /\s+/g,
      " ",
    ),
  );
  const event = last.events[0]?.message;
  return `not stable after ${seconds}s (${lines.join("; ")})${event ? `; last event: ${event}` : ""}`;
}
