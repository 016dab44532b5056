import type { Deployment, DeploymentCircuitBreaker, ECS, ServiceDeployment } from "@aws-sdk/client-ecs";
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

  async function failedDeployment(
    desiredCount: number,
    circuitBreaker: DeploymentCircuitBreaker = { enable: true, rollback: false },
  ): Promise<Deployment> {
    await createService(ecs, { circuitBreaker });
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

  it.each([
    ["COUNT", 5, 2, 5], // the value itself, whatever the desired count
    ["UNBOUNDED_PERCENT", 50, 4, 2], // no minimum of 3
    ["BOUNDED_PERCENT", 20, 30, 6],
  ] as const)(
    "trips the circuit breaker at its configured threshold (%s %i, desired %i: %i failed tasks)",
    async (type, value, desired, threshold) => {
      const dep = await failedDeployment(desired, {
        enable: true,
        rollback: false,
        thresholdConfiguration: { type, value },
      });
      expect(dep.failedTasks).toBe(threshold);
    },
    60_000,
  );

  it("pages ListTaskDefinitions with maxResults and nextToken", async () => {
    for (let i = 0; i < 5; i++) await registerRevision(ecs, `${REPO}:v1`, "web");
    const first = await ecs.listTaskDefinitions({ familyPrefix: "web", sort: "DESC", maxResults: 2 });
    expect(names(first.taskDefinitionArns)).toEqual(["web:5", "web:4"]);
    const second = await ecs.listTaskDefinitions({
      familyPrefix: "web",
      sort: "DESC",
      maxResults: 2,
      nextToken: first.nextToken!,
    });
    expect(names(second.taskDefinitionArns)).toEqual(["web:3", "web:2"]);
    const last = await ecs.listTaskDefinitions({
      familyPrefix: "web",
      sort: "DESC",
      maxResults: 2,
      nextToken: second.nextToken!,
    });
    expect(names(last.taskDefinitionArns)).toEqual(["web:1"]);
    expect(last.nextToken).toBeUndefined();
    await expect(ecs.listTaskDefinitions({ maxResults: 101 })).rejects.toThrow(/maxResults/);
  });

  it("keeps counting failed tasks when no circuit breaker stops the deployment", async () => {
    await createService(ecs, {});
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad });
    await new Promise((r) => setTimeout(r, 2000)); // 0.2 s a failed task: about 10
    const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services?.[0];
    const dep = svc?.deployments?.find((d) => d.taskDefinition === bad);
    expect(dep?.rolloutState).toBe("IN_PROGRESS");
    expect(dep?.failedTasks).toBeGreaterThan(3);
    const sd = await serviceDeployment(svc?.currentServiceDeployment);
    expect(sd.status).toBe("IN_PROGRESS");
    expect(sd.deploymentCircuitBreaker).toMatchObject({ status: "DISABLED", failureCount: dep?.failedTasks });
  });

  async function serviceDeployment(arn: string | undefined): Promise<ServiceDeployment> {
    const out = await ecs.describeServiceDeployments({ serviceDeploymentArns: [arn!] });
    return out.serviceDeployments![0]!;
  }

  async function untilSettled(arn: string | undefined, settled: string[]): Promise<ServiceDeployment> {
    for (let i = 0; i < 200; i++) {
      const sd = await serviceDeployment(arn);
      if (settled.includes(sd.status ?? "")) return sd;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`service deployment ${arn} never reached ${settled.join("/")}`);
  }

  const current = async () =>
    (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services![0]!;

  it("records each rollout as a service deployment, newest first, with the revision it replaces", async () => {
    await createService(ecs, {});
    const created = (await current()).currentServiceDeployment;
    expect(created).toMatch(/^arn:aws:ecs:eu-west-1:\d+:service-deployment\/platform-local\/open-webui\/\w+$/);
    const next = await registerRevision(ecs, `${REPO}:v2`);
    const out = await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: next });
    const arn = out.service?.currentServiceDeployment;
    expect(arn).toBeDefined();
    expect(arn).not.toBe(created);
    expect((await serviceDeployment(arn)).status).toBe("IN_PROGRESS");
    const started = out.service?.deployments?.[0];
    expect(started?.rolloutStateReason).toBe(`ECS deployment ${started?.id} in progress.`);
    const done = await untilSettled(arn, ["SUCCESSFUL"]);
    expect(done.finishedAt).toBeInstanceOf(Date);
    const first = await serviceDeployment(created);
    expect(done.sourceServiceRevisions?.map((r) => r.arn)).toEqual([first.targetServiceRevision?.arn]);
    expect(done.targetServiceRevision?.arn).toMatch(/service-revision\/platform-local\/open-webui\/\d+$/);
    const listed = await ecs.listServiceDeployments({ cluster: CLUSTER, service: "open-webui" });
    expect(listed.serviceDeployments?.map((s) => s.serviceDeploymentArn)).toEqual([arn, created]);
    const page = await ecs.listServiceDeployments({ cluster: CLUSTER, service: "open-webui", maxResults: 1 });
    expect(page.serviceDeployments).toHaveLength(1);
    expect(page.nextToken).toBeDefined();
    const later = await ecs.listServiceDeployments({
      cluster: CLUSTER,
      service: "open-webui",
      createdAt: { after: new Date(done.createdAt!.getTime() - 1) }, // JSON carries milliseconds
    });
    expect(later.serviceDeployments?.map((s) => s.serviceDeploymentArn)).toEqual([arn]);
    const missing = await ecs.describeServiceDeployments({ serviceDeploymentArns: [`${arn}x`] });
    expect(missing.failures?.[0]?.reason).toBe("MISSING");
    await expect(ecs.listServiceDeployments({ cluster: CLUSTER, service: "nope" })).rejects.toThrow(
      /ServiceNotFound|not found/i,
    );
  });

  it("reports the circuit breaker's rollback on the failed service deployment, to the revision that ran before", async () => {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const before = (await serviceDeployment((await current()).currentServiceDeployment)).targetServiceRevision?.arn;
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    const out = await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad });
    const arn = out.service?.currentServiceDeployment;
    const rolling = await untilSettled(arn, ["ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]);
    expect(rolling.rollback?.serviceRevisionArn).toBe(before);
    expect(rolling.deploymentCircuitBreaker).toMatchObject({ status: "TRIGGERED", failureCount: 3, threshold: 3 });
    expect(rolling.statusReason).toMatch(/circuit breaker/);
    // DescribeServices words it as ECS does: the rollback is a new deployment naming the one it returns to.
    const [rollbackDeployment, failedDeployment] = (await current()).deployments ?? [];
    const first = (await ecs.listServiceDeployments({ cluster: CLUSTER, service: "open-webui" })).serviceDeployments;
    expect(failedDeployment?.rolloutStateReason).toBe("ECS deployment circuit breaker: tasks failed to start.");
    expect(rollbackDeployment?.rolloutStateReason).toMatch(
      /^ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\d+\.$/,
    );
    expect(first).toHaveLength(2);
    const done = await untilSettled(arn, ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);
    expect(done.status).toBe("ROLLBACK_SUCCESSFUL");
    expect((await current()).deployments?.[0]?.rolloutStateReason).toBe(
      `ECS deployment ${rollbackDeployment?.id} completed.`,
    );
    // The rollback is no new service deployment.
    expect((await current()).currentServiceDeployment).toBe(arn);
  });

  it("says ROLLBACK_REQUESTED while ECS has yet to start its rollback deployment", async () => {
    await simulate(moto, "config", { rollbackDelaySeconds: 1 });
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    const arn = (await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad })).service
      ?.currentServiceDeployment;
    const requested = await untilSettled(arn, ["ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]);
    expect(requested.status).toBe("ROLLBACK_REQUESTED");
    expect(requested.rollback?.serviceRevisionArn).toBeDefined();
    expect((await current()).deployments?.map((d) => d.rolloutState)).toEqual(["FAILED", "IN_PROGRESS"]);
    const done = await untilSettled(arn, ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);
    expect(done.status).toBe("ROLLBACK_SUCCESSFUL");
    expect(done.rollback?.startedAt).toBeInstanceOf(Date);
  });

  it("ends in ROLLBACK_FAILED when the revision rolled back to cannot start either, and rolls back no further", async () => {
    const first = await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    await simulate(moto, "break", { taskDefinition: first });
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    const arn = (await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad })).service
      ?.currentServiceDeployment;
    const done = await untilSettled(arn, ["ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"]);
    expect(done.status).toBe("ROLLBACK_FAILED");
    await new Promise((r) => setTimeout(r, 1500)); // nothing more happens: the rollback stalls
    const svc = await current();
    expect(svc.deployments?.[0]).toMatchObject({ taskDefinition: first, rolloutState: "FAILED" });
    expect(svc.deployments?.filter((d) => d.status === "PRIMARY")).toHaveLength(1);
    expect(svc.events?.filter((e) => /rolling back/.test(e.message ?? ""))).toHaveLength(1);
  });

  it("starts a new deployment for forceNewDeployment and leaves the running one's id alone", async () => {
    await createService(ecs, {});
    const before = (await current()).deployments![0]!;
    const out = await ecs.updateService({ cluster: CLUSTER, service: "open-webui", forceNewDeployment: true });
    const [fresh, old] = out.service!.deployments!;
    expect(old).toMatchObject({ id: before.id, status: "ACTIVE", taskDefinition: before.taskDefinition });
    expect(fresh).toMatchObject({ status: "PRIMARY", taskDefinition: before.taskDefinition });
    expect(fresh!.id).not.toBe(before.id);
    const sd = await serviceDeployment(out.service?.currentServiceDeployment);
    const first = (
      await ecs.listServiceDeployments({ cluster: CLUSTER, service: "open-webui" })
    ).serviceDeployments!.at(-1)!;
    expect(sd.sourceServiceRevisions?.map((r) => r.arn)).toEqual([first.targetServiceRevisionArn]);
  });

  it("stops a service deployment that a newer one supersedes, and one failed without a rollback", async () => {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: false } });
    const hang = await registerRevision(ecs, `${REPO}:hang-1`);
    const a = (await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: hang })).service
      ?.currentServiceDeployment;
    const bad = await registerRevision(ecs, `${REPO}:bad-1`);
    const b = (await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: bad })).service
      ?.currentServiceDeployment;
    expect((await serviceDeployment(a)).status).toBe("STOPPED");
    const failed = await untilSettled(b, ["STOPPED"]);
    expect(failed.deploymentCircuitBreaker?.status).toBe("TRIGGERED");
    expect(failed.rollback).toBeUndefined();
  });
});
