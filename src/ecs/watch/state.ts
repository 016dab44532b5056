import { shortTaskDefinition, type DeploymentView, type ServiceSnapshot } from "./snapshot.js";

/**
 * The watcher's pure core: given what it knew and a new snapshot, what changed and what
 * the rollout's outcome is so far. No I/O, no clock: the poller feeds it, the printer shows it.
 */

/** The rollout being waited for. Without a deployment id: whichever deployment runs `taskDefinition`. */
export interface WatchTarget {
  taskDefinition: string;
  deploymentId?: string;
}

export interface WatchState {
  target: WatchTarget;
  /** Events created before this instant belong to earlier history and are not shown. */
  since: number;
  seenEvents: ReadonlySet<string>;
  deploymentLines: Readonly<Record<string, string>>;
  seenStoppedTasks: ReadonlySet<string>;
}

export type WatchChange =
  | { kind: "deployment"; id: string; line: string }
  | { kind: "deployment-gone"; id: string }
  | { kind: "event"; at: number; message: string }
  | { kind: "stopped-task"; taskId: string; taskDefinition: string; reason: string };

export type Outcome =
  | { kind: "waiting" }
  | { kind: "completed"; deploymentId: string }
  | { kind: "failed"; reason: string }
  /** ECS's circuit breaker rolled back: the deploy failed; ECS now runs `to`. */
  | { kind: "rolled-back-by-ecs"; reason: string; to: string; rollbackDeploymentId?: string };

export interface Reduction {
  state: WatchState;
  changes: WatchChange[];
  outcome: Outcome;
}

export function initialState(target: WatchTarget, since: number): WatchState {
  return { target, since, seenEvents: new Set(), deploymentLines: {}, seenStoppedTasks: new Set() };
}

export function reduce(state: WatchState, snap: ServiceSnapshot): Reduction {
  const changes: WatchChange[] = [];
  const lines: Record<string, string> = {};
  for (const d of snap.deployments) {
    const line = describeDeployment(d);
    lines[d.id] = line;
    if (state.deploymentLines[d.id] !== line) changes.push({ kind: "deployment", id: d.id, line });
  }
  for (const id of Object.keys(state.deploymentLines))
    if (!(id in lines)) changes.push({ kind: "deployment-gone", id });

  const seenEvents = new Set(state.seenEvents);
  // ECS lists events newest first; reverse so ties keep the order they happened in.
  const fresh = [...snap.events]
    .reverse()
    .filter((e) => e.at >= state.since && !seenEvents.has(e.id))
    .sort((a, b) => a.at - b.at);
  for (const e of fresh) {
    seenEvents.add(e.id);
    changes.push({ kind: "event", at: e.at, message: e.message });
  }
  const seenStoppedTasks = new Set(state.seenStoppedTasks);
  for (const t of snap.stoppedTasks) {
    if (seenStoppedTasks.has(t.arn)) continue;
    seenStoppedTasks.add(t.arn);
    const taskId = t.arn.split("/").pop() ?? t.arn;
    changes.push({
      kind: "stopped-task",
      taskId,
      taskDefinition: shortTaskDefinition(t.taskDefinition),
      reason: t.reason,
    });
  }
  const next: WatchState = { ...state, seenEvents, deploymentLines: lines, seenStoppedTasks };
  return { state: next, changes, outcome: judge(state.target, snap) };
}

/** Decides the rollout's outcome from one snapshot. A waiter's "stable" is not enough: the deployment must be ours. */
export function judge(target: WatchTarget, snap: ServiceSnapshot): Outcome {
  const primary = snap.deployments.find((d) => d.status === "PRIMARY");
  const ours = target.deploymentId
    ? snap.deployments.find((d) => d.id === target.deploymentId)
    : primary && sameTaskDefinition(primary.taskDefinition, target.taskDefinition)
      ? primary
      : undefined;
  if (ours?.rolloutState === "FAILED") {
    const reason = ours.rolloutStateReason ?? "rollout FAILED";
    if (primary && primary !== ours && !sameTaskDefinition(primary.taskDefinition, target.taskDefinition)) {
      return { kind: "rolled-back-by-ecs", reason, to: primary.taskDefinition, rollbackDeploymentId: primary.id };
    }
    return { kind: "failed", reason };
  }
  if (!ours) {
    if (target.deploymentId && primary && !sameTaskDefinition(primary.taskDefinition, target.taskDefinition)) {
      return {
        kind: "rolled-back-by-ecs",
        reason: `deployment ${target.deploymentId} is gone; the service now runs ${shortTaskDefinition(primary.taskDefinition)}`,
        to: primary.taskDefinition,
        rollbackDeploymentId: primary.id,
      };
    }
    if (target.deploymentId)
      return { kind: "failed", reason: `deployment ${target.deploymentId} was replaced by another deployment` };
    return { kind: "waiting" };
  }
  const steady =
    ours.status === "PRIMARY" &&
    snap.deployments.length === 1 &&
    ours.runningCount >= ours.desiredCount &&
    (ours.rolloutState === undefined || ours.rolloutState === "COMPLETED");
  return steady ? { kind: "completed", deploymentId: ours.id } : { kind: "waiting" };
}

export function describeDeployment(d: DeploymentView): string {
  const state = d.rolloutState ? ` ${d.rolloutState}` : "";
  const failed = d.failedTasks > 0 ? `, ${d.failedTasks} failed` : "";
  return `${d.status}${state} ${shortTaskDefinition(d.taskDefinition)}: ${d.runningCount}/${d.desiredCount} running, ${d.pendingCount} pending${failed}`;
}

export function sameTaskDefinition(a: string, b: string): boolean {
  return a === b || shortTaskDefinition(a) === shortTaskDefinition(b);
}
