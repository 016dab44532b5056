import type { Task } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import type { EcsApi } from "../../../src/ecs/api.js";
import { checkContainers, checkedContainers, judgeContainers } from "../../../src/ecs/container-health.js";
import { requireSomethingToCheck } from "../../../src/ecs/health-gate.js";
import { serviceSchema } from "../../../src/config/schema.js";
import { PipelineError } from "../../../src/errors.js";

const REV = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mcpo:7";
const OLD = "arn:aws:ecs:eu-west-1:123456789012:task-definition/mcpo:6";
const check = { command: ["CMD", "python", "-c", "probe()"], interval: 30, timeout: 5, retries: 3 };

function task(id: string, containers: Record<string, string>, extra: Partial<Task> = {}): Task {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/platform-dev/${id}`,
    taskDefinitionArn: REV,
    lastStatus: "RUNNING",
    containers: Object.entries(containers).map(([name, healthStatus]) => ({ name, healthStatus })),
    ...extra,
  } as Task;
}

describe("which containers must be HEALTHY", () => {
  it("takes the essential containers with a health check, essential by default, and ignores the rest", () => {
    const checked = checkedContainers({
      containerDefinitions: [
        { name: "app", healthCheck: check },
        { name: "sidecar", essential: false, healthCheck: check },
        { name: "log-router", essential: true },
        { name: "empty", healthCheck: { command: [] } },
      ],
    });
    expect(checked).toEqual([{ name: "app", command: "python -c probe()" }]);
  });
});

describe("the container-health verdict on a revision's tasks", () => {
  const checked = [{ name: "app", command: "python -c probe()" }];

  it("passes when every checked container of every running task of the revision is HEALTHY", () => {
    const v = judgeContainers([task("a", { app: "HEALTHY" }), task("b", { app: "HEALTHY" })], REV, checked);
    expect(v).toEqual({ ok: true, final: false, detail: "containers: 2/2 tasks of mcpo:7 healthy (app)" });
  });

  it("waits (not final) while a container is UNKNOWN, naming the task and container", () => {
    const v = judgeContainers([task("a", { app: "HEALTHY" }), task("b", { app: "UNKNOWN" })], REV, checked);
    expect(v.ok).toBe(false);
    expect(v.final).toBe(false);
    expect(v.detail).toBe("containers of mcpo:7: still being checked (task b: app UNKNOWN)");
  });

  it("fails at once (final) on UNHEALTHY, with the container, the tasks and the reason ECS gave", () => {
    const sick = task("a", {});
    sick.containers = [{ name: "app", healthStatus: "UNHEALTHY", reason: "probe refused" }];
    const v = judgeContainers([sick, task("b", { app: "UNHEALTHY" }), task("c", { app: "UNKNOWN" })], REV, checked);
    expect(v.ok).toBe(false);
    expect(v.final).toBe(true);
    expect(v.detail).toBe(
      "containers of mcpo:7: container app UNHEALTHY in 1/3 tasks (a): probe refused; container app UNHEALTHY in 1/3 tasks (b): its health check `python -c probe()` failed",
    );
  });

  it("counts only RUNNING tasks of the revision: the old revision's and stopped tasks say nothing about it", () => {
    const tasks = [
      task("old", { app: "UNHEALTHY" }, { taskDefinitionArn: OLD }),
      task("gone", { app: "UNHEALTHY" }, { lastStatus: "STOPPED" }),
      task("new", { app: "HEALTHY" }),
    ];
    expect(judgeContainers(tasks, "mcpo:7", checked).detail).toBe("containers: 1/1 tasks of mcpo:7 healthy (app)");
    expect(judgeContainers(tasks.slice(0, 2), REV, checked)).toMatchObject({
      ok: false,
      final: false,
      detail: "containers of mcpo:7: no running task yet",
    });
  });

  it("fails a task whose own healthStatus is UNHEALTHY even when the checked containers look fine", () => {
    const v = judgeContainers([task("a", { app: "HEALTHY" }, { healthStatus: "UNHEALTHY" })], REV, checked);
    expect(v).toMatchObject({ ok: false, final: true });
    expect(v.detail).toContain("an essential container UNHEALTHY in 1/1 tasks (a)");
  });

  it("treats a container missing from the task as UNKNOWN, never as healthy", () => {
    const v = judgeContainers([task("a", { other: "HEALTHY" })], REV, checked);
    expect(v).toMatchObject({ ok: false, final: false });
    expect(v.detail).toContain("task a: app UNKNOWN");
  });
});

describe("reading the tasks from ECS", () => {
  it("pages through ListTasks, describes at most 100 tasks a call, and ignores another service's tasks", async () => {
    const arn = (i: number) => `arn:aws:ecs:eu-west-1:123456789012:task/platform-dev/t${i}`;
    const described: number[] = [];
    const ecs = {
      listTasks: (input: { nextToken?: string; serviceName?: string; desiredStatus?: string }) => {
        expect(input).toMatchObject({ serviceName: "mcpo", desiredStatus: "RUNNING" });
        const from = input.nextToken ? 100 : 0;
        const count = input.nextToken ? 50 : 100;
        return Promise.resolve({
          taskArns: Array.from({ length: count }, (_, i) => arn(from + i)),
          ...(input.nextToken ? {} : { nextToken: "page-2" }),
        });
      },
      describeTasks: (input: { tasks: string[] }) => {
        described.push(input.tasks.length);
        return Promise.resolve({
          tasks: input.tasks.map((taskArn) => ({
            ...task(taskArn.split("/").pop()!, { app: "HEALTHY" }),
            group: taskArn.endsWith("t149") ? "service:other" : "service:mcpo",
          })),
        });
      },
    } as unknown as EcsApi;
    const v = await checkContainers(ecs, { cluster: "platform-dev", service: "mcpo" }, REV, [
      { name: "app", command: "probe" },
    ]);
    expect(described).toEqual([100, 50]);
    expect(v).toEqual({ ok: true, final: false, detail: "containers: 149/149 tasks of mcpo:7 healthy (app)" });
  });
});

describe("the gate before any change", () => {
  const cfg = (healthCheck: object) =>
    serviceSchema.parse({
      name: "mcpo",
      ecrRepository: "platform/mcpo",
      build: { context: { path: "services/mcpo" } },
      ecs: { cluster: "c", service: "mcpo", containers: ["mcpo"] },
      healthCheck,
    });
  const bare = { containerDefinitions: [{ name: "mcpo", essential: true }] };

  it("refuses a revision with no container health check, no target group and no URL (exit 2 error)", () => {
    const act = () =>
      requireSomethingToCheck({
        verb: "deploy",
        cfg: cfg({ path: "/docs" }),
        revision: bare,
        label: "mcpo:3",
        targetGroups: [],
      });
    expect(act).toThrow(PipelineError);
    expect(act).toThrow(/nothing would judge its health: mcpo:3 defines no container health check/);
  });

  it("lets through a container check, a target group, a URL, or an explicit healthCheck.none", () => {
    const base = { verb: "deploy" as const, label: "mcpo:3", targetGroups: [] as string[] };
    const withCheck = { containerDefinitions: [{ name: "mcpo", healthCheck: check }] };
    expect(() => requireSomethingToCheck({ ...base, cfg: cfg({ path: "/docs" }), revision: withCheck })).not.toThrow();
    expect(() =>
      requireSomethingToCheck({ ...base, cfg: cfg({ path: "/docs" }), revision: bare, targetGroups: ["arn:tg"] }),
    ).not.toThrow();
    expect(() =>
      requireSomethingToCheck({ ...base, cfg: cfg({ path: "/docs" }), revision: bare, healthUrl: "https://x/health" }),
    ).not.toThrow();
    const none = cfg({ none: true, reason: "no listener" });
    expect(() => requireSomethingToCheck({ ...base, cfg: none, revision: bare })).not.toThrow();
  });
});
