import type { Deployment, ECS } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMoto, type Moto } from "../../support/moto.js";
import { CLUSTER, REPO, createService, ecsClient, registerRevision, simulate } from "./fixture.js";

// The emulator's departures from moto, checked against what ECS documents (cited in emulator/server.py).
describe("the emulator follows ECS", () => {
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
    await simulate(moto, "config", { rolloutSeconds: 0.5, failSeconds: 0.6 });
  });

  const names = (arns: string[] | undefined) => (arns ?? []).map((a) => a.split("/").pop());

  it("lists task definitions by family and revision, newest first with sort=DESC", async () => {
    // Registered interleaved, so insertion order matches neither sort.
    for (const family of ["web", "api", "web", "api", "web"]) await registerRevision(ecs, `${REPO}:v1`, family);
    const asc = await ecs.listTaskDefinitions({});
    expect(names(asc.taskDefinitionArns)).toEqual(["api:1", "api:2", "web:1", "web:2", "web:3"]);
    const desc = await ecs.listTaskDefinitions({ sort: "DESC" });
    expect(names(desc.taskDefinitionArns)).toEqual(["web:3", "web:2", "web:1", "api:2", "api:1"]);
    const web = await ecs.listTaskDefinitions({ familyPrefix: "web", sort: "DESC" });
    expect(names(web.taskDefinitionArns)).toEqual(["web:3", "web:2", "web:1"]);
    expect(names((await ecs.listTaskDefinitions({ familyPrefix: "we" })).taskDefinitionArns)).toEqual([]);
    await ecs.deregisterTaskDefinition({ taskDefinition: "web:2" });
    expect(names((await ecs.listTaskDefinitions({ familyPrefix: "web", sort: "DESC" })).taskDefinitionArns)).toEqual([
      "web:3",
      "web:1",
    ]);
    expect(
      names((await ecs.listTaskDefinitions({ familyPrefix: "web", status: "INACTIVE" })).taskDefinitionArns),
    ).toEqual(["web:2"]);
  });

  async function failedDeployment(desiredCount: number): Promise<Deployment> {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: false } });
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", desiredCount });
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad });
    for (let i = 0; i < 600; i++) {
      const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services?.[0];
      const dep = svc?.deployments?.find((d) => d.taskDefinition === bad);
      if (dep?.rolloutState === "FAILED") return dep;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the deployment never failed");
  }

  it.each([
    [2, 3], // 0.5 x 2 = 1, raised to the minimum of 3
    [10, 5],
    [13, 7], // 6.5, rounded up
  ])(
    "trips the circuit breaker at its failed-task threshold (desired %i: %i failed tasks)",
    async (desired, threshold) => {
      const dep = await failedDeployment(desired);
      expect(dep.failedTasks).toBe(threshold);
      const stopped = await ecs.listTasks({ cluster: CLUSTER, serviceName: "open-webui", desiredStatus: "STOPPED" });
      expect(stopped.taskArns).toHaveLength(threshold);
    },
    60_000,
  );
});
