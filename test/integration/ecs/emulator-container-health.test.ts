import type { ECS, Task } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMoto, type Moto } from "../../support/moto.js";
import { CLUSTER, REPO, createService, ecsClient, registerRevision, simulate } from "./fixture.js";

/**
 * The emulator's tasks and their container health, as ECS reports them in ListTasks and
 * DescribeTasks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html):
 * what the deployer's container-health gate reads.
 */
describe("the emulator's running tasks and container health", () => {
  let moto: Moto;
  let ecs: ECS;
  beforeAll(async () => {
    moto = await startMoto();
    ecs = ecsClient(moto);
  });
  afterAll(async () => {
    ecs.destroy();
    await moto.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.3, failSeconds: 0.3 });
  });

  async function tasks(service: string, desiredStatus: "RUNNING" | "STOPPED" = "RUNNING"): Promise<Task[]> {
    const arns = (await ecs.listTasks({ cluster: CLUSTER, serviceName: service, desiredStatus })).taskArns ?? [];
    if (arns.length === 0) return [];
    return (await ecs.describeTasks({ cluster: CLUSTER, tasks: arns })).tasks ?? [];
  }
  /** Polls `probe` until it holds (no timed assertion: the test's own timeout is the limit). */
  async function until<T>(probe: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
    for (;;) {
      const value = await probe();
      if (holds(value)) return value;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const revisionsOf = (ts: Task[]) => ts.map((t) => t.taskDefinitionArn?.split(":").pop());

  it("runs the service's desired tasks from CreateService on, each container HEALTHY once checked", async () => {
    await createService(ecs);
    const running = await tasks("open-webui");
    expect(running).toHaveLength(2);
    for (const t of running) {
      expect(t).toMatchObject({ lastStatus: "RUNNING", group: "service:open-webui", healthStatus: "HEALTHY" });
      expect(t.taskDefinitionArn).toMatch(/open-webui:1$/);
      expect(t.containers?.map((c) => [c.name, c.healthStatus])).toEqual([["open-webui", "HEALTHY"]]);
    }
    // moto moves tasks towards STOPPED on every describe; ECS's running tasks stay RUNNING.
    expect((await tasks("open-webui")).map((t) => t.lastStatus)).toEqual(["RUNNING", "RUNNING"]);
  });

  it("reports UNKNOWN while the checks are evaluated, then HEALTHY; a container without a check stays UNKNOWN", async () => {
    await simulate(moto, "container_health", { healthySeconds: 4 });
    await createService(ecs, { healthCheck: false });
    await registerRevision(ecs, `${REPO}:v2`);
    const [early] = await tasks("open-webui");
    expect(early?.containers?.[0]?.healthStatus).toBe("UNKNOWN");
    expect(early?.healthStatus).toBe("UNKNOWN");
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: "open-webui:2" });
    const starting = await until(
      () => tasks("open-webui"),
      (ts) => revisionsOf(ts).join() === "2,2",
    );
    // Completed 0.3 s after the update; its checks report 4 s after its tasks started.
    expect(starting.map((t) => t.healthStatus)).toEqual(["UNKNOWN", "UNKNOWN"]);
    await until(
      () => tasks("open-webui"),
      (ts) => ts.every((t) => t.healthStatus === "HEALTHY"),
    );
  }, 30_000);

  it("stops the old revision's tasks when a deployment completes, with the scheduler's reason", async () => {
    await createService(ecs);
    await registerRevision(ecs, `${REPO}:v2`);
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: "open-webui:2" });
    const stopped = await until(
      () => tasks("open-webui", "STOPPED"),
      (ts) => ts.length === 2,
    );
    expect(stopped).toHaveLength(2);
    for (const t of stopped) {
      expect(t.taskDefinitionArn).toMatch(/open-webui:1$/);
      expect(t.stopCode).toBe("ServiceSchedulerInitiated");
      expect(t.stoppedReason).toMatch(/^Scaling activity initiated by \(deployment ecs-svc\/\d+\)$/);
    }
  });

  it("turns a 'sick' revision's containers UNHEALTHY, and the task with them; an image can be made so by control", async () => {
    await createService(ecs);
    await registerRevision(ecs, `${REPO}:sick-2`);
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: "open-webui:2" });
    const sick = await until(
      () => tasks("open-webui"),
      (ts) => revisionsOf(ts).join() === "2,2",
    );
    expect(sick.map((t) => [t.healthStatus, t.containers?.[0]?.healthStatus])).toEqual([
      ["UNHEALTHY", "UNHEALTHY"],
      ["UNHEALTHY", "UNHEALTHY"],
    ]);
    await simulate(moto, "container_health", { images: { "sick-2": "HEALTHY" } });
    expect((await tasks("open-webui")).map((t) => t.healthStatus)).toEqual(["HEALTHY", "HEALTHY"]);
  });

  it("lists only the named service's tasks (moto ignores serviceName; ECS does not)", async () => {
    await createService(ecs);
    const mcpo = await registerRevision(ecs, `${REPO}:v1`, "mcpo");
    await ecs.createService({ cluster: CLUSTER, serviceName: "mcpo", taskDefinition: mcpo, desiredCount: 1 });
    expect((await tasks("open-webui")).map((t) => t.group)).toEqual(["service:open-webui", "service:open-webui"]);
    expect((await tasks("mcpo")).map((t) => t.group)).toEqual(["service:mcpo"]);
  });
});
