import { describe, expect, it } from "vitest";
import type { DeploymentView, ServiceSnapshot } from "../../../src/ecs/watch/snapshot.js";
import { initialState, judge, reduce } from "../../../src/ecs/watch/state.js";

const TD1 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1";
const TD2 = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:2";

function dep(id: string, patch: Partial<DeploymentView>): DeploymentView {
  return {
    id,
    status: "PRIMARY",
    taskDefinition: TD2,
    desiredCount: 2,
    runningCount: 0,
    pendingCount: 2,
    failedTasks: 0,
    rolloutState: "IN_PROGRESS",
    ...patch,
  };
}

function snap(deployments: DeploymentView[], patch: Partial<ServiceSnapshot> = {}): ServiceSnapshot {
  return {
    at: 1000,
    taskDefinition: TD2,
    desiredCount: 2,
    runningCount: 0,
    deployments,
    events: [],
    stoppedTasks: [],
    ...patch,
  };
}

const target = { taskDefinition: TD2, deploymentId: "new" };
const old = dep("old", {
  status: "ACTIVE",
  taskDefinition: TD1,
  runningCount: 2,
  pendingCount: 0,
  rolloutState: "COMPLETED",
});

describe("judging a rollout from one snapshot", () => {
  it("waits while our deployment is in progress beside the old one", () => {
    expect(judge(target, snap([dep("new", {}), old]))).toEqual({ kind: "waiting" });
  });

  it("completes only when ours is the only deployment, COMPLETED, with all tasks running", () => {
    const done = dep("new", { rolloutState: "COMPLETED", runningCount: 2, pendingCount: 0 });
    expect(judge(target, snap([done, old]))).toEqual({ kind: "waiting" });
    expect(judge(target, snap([done]))).toEqual({ kind: "completed", deploymentId: "new" });
  });

  it("calls a circuit-breaker rollback a failure, naming where ECS went back to", () => {
    const failed = dep("new", {
      status: "ACTIVE",
      rolloutState: "FAILED",
      rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
    });
    const back = dep("back", { taskDefinition: TD1 });
    expect(judge(target, snap([back, failed, old]))).toEqual({
      kind: "rolled-back-by-ecs",
      reason: "ECS deployment circuit breaker: tasks failed to start.",
      to: TD1,
      rollbackDeploymentId: "back",
    });
  });

  it("calls a FAILED rollout without a rollback a failure", () => {
    expect(judge(target, snap([dep("new", { rolloutState: "FAILED" })]))).toEqual({
      kind: "failed",
      reason: "rollout FAILED",
    });
  });

  it("treats our deployment vanishing while another revision runs as a rollback, never as success", () => {
    const stable = dep("other", { taskDefinition: TD1, rolloutState: "COMPLETED", runningCount: 2, pendingCount: 0 });
    expect(judge(target, snap([stable])).kind).toBe("rolled-back-by-ecs");
  });

  it("without a deployment id, follows whichever PRIMARY runs the target revision", () => {
    const done = dep("x", { taskDefinition: TD1, rolloutState: "COMPLETED", runningCount: 2, pendingCount: 0 });
    expect(judge({ taskDefinition: "app:1" }, snap([done]))).toEqual({ kind: "completed", deploymentId: "x" });
  });
});

describe("reducing snapshots into changes", () => {
  it("reports each new event once, oldest first, and ignores events from before the watch", () => {
    let state = initialState(target, 500);
    const events = [
      { id: "e3", at: 900, message: "third" },
      { id: "e2", at: 800, message: "second" },
      { id: "e0", at: 100, message: "history" },
    ];
    const first = reduce(state, snap([dep("new", {})], { events }));
    expect(first.changes.filter((c) => c.kind === "event").map((c) => c.kind === "event" && c.message)).toEqual([
      "second",
      "third",
    ]);
    state = first.state;
    const again = reduce(
      state,
      snap([dep("new", {})], { events: [{ id: "e4", at: 950, message: "fourth" }, ...events] }),
    );
    expect(again.changes).toEqual([{ kind: "event", at: 950, message: "fourth" }]);
  });

  it("reports a deployment line only when its content changes, and when it disappears", () => {
    const a = reduce(initialState(target, 0), snap([dep("new", {}), old]));
    expect(a.changes.map((c) => c.kind)).toEqual(["deployment", "deployment"]);
    const b = reduce(a.state, snap([dep("new", { failedTasks: 1 }), old]));
    expect(b.changes).toEqual([
      { kind: "deployment", id: "new", line: "PRIMARY IN_PROGRESS app:2: 0/2 running, 2 pending, 1 failed" },
    ]);
    const c = reduce(b.state, snap([dep("new", { failedTasks: 1 })]));
    expect(c.changes).toEqual([{ kind: "deployment-gone", id: "old" }]);
  });

  it("reports each stopped task with its reason once", () => {
    const task = {
      arn: "arn:aws:ecs:eu-west-1:1:task/c/abc",
      startedBy: "new",
      taskDefinition: TD2,
      reason: "Essential container in task exited",
    };
    const a = reduce(initialState(target, 0), snap([dep("new", {})], { stoppedTasks: [task] }));
    expect(a.changes).toContainEqual({
      kind: "stopped-task",
      taskId: "abc",
      taskDefinition: "app:2",
      reason: "Essential container in task exited",
    });
    const b = reduce(a.state, snap([dep("new", {})], { stoppedTasks: [task] }));
    expect(b.changes.filter((c) => c.kind === "stopped-task")).toHaveLength(0);
  });
});
