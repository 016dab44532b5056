import type { ECS } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deployService } from "../../../src/ecs/deploy.js";
import { rollback, type RollbackOptions } from "../../../src/ecs/rollback.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  createService,
  ecsClient,
  fast,
  localEnv,
  recorder,
  registerRevision,
  REPO,
  running,
  simulate,
  statusMark,
  vars,
} from "./fixture.js";

describe("rollback against ECS on the emulator", () => {
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

  async function deploy(tag: string): Promise<string> {
    const r = await deployService({
      env: await localEnv(moto),
      service: "open-webui",
      image: `${REPO}:${tag}`,
      credentials: { vars },
      timing: fast,
    });
    return r.status;
  }

  async function roll(extra: Partial<RollbackOptions> = {}) {
    const progress = recorder();
    const result = await rollback({
      env: await localEnv(moto),
      service: "open-webui",
      credentials: { vars },
      timing: fast,
      onProgress: progress.sink,
      ...extra,
    });
    return { result, progress };
  }

  const statusTag = (rev: number) => statusMark(ecs, `open-webui:${rev}`);

  it("rolls back to an explicit revision number and records the one it left", async () => {
    await createService(ecs);
    expect(await deploy("v2")).toBe("succeeded");
    expect(await deploy("v3")).toBe("succeeded");
    const { result } = await roll({ revision: "1" });
    expect(result).toMatchObject({ verb: "rollback", status: "succeeded" });
    expect(result.from).toMatch(/open-webui:3$/);
    expect(await running(ecs)).toMatch(/open-webui:1$/);
    expect(await statusTag(1)).toBe("stable");
    expect(await statusTag(3)).toBe("rolled-back");
  });

  it("by default returns to the last stable revision, not to a failed one just before the current", async () => {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    expect(await deploy("v2")).toBe("succeeded");
    expect(await deploy("bad")).toBe("failed-restored");
    expect(await deploy("v4")).toBe("succeeded");
    expect(await statusTag(3)).toBe("failed");
    const { result, progress } = await roll();
    expect(result.to).toMatch(/open-webui:2$/);
    expect(await running(ecs)).toMatch(/open-webui:2$/);
    expect(progress.text()).toContain("last stable revision before open-webui:4: open-webui:2");
  });

  it("keeps history per service: a twin sharing the family never rolls forward to what only the other ran", async () => {
    await createService(ecs);
    await ecs.createService({
      cluster: "platform-local",
      serviceName: "twin",
      taskDefinition: "open-webui:1",
      desiredCount: 1,
      launchType: "FARGATE",
    });
    expect(await deploy("v2")).toBe("succeeded");
    const base = await localEnv(moto);
    const webui = base.services.find((x) => x.name === "open-webui")!;
    const env = {
      ...base,
      services: [...base.services, { ...webui, name: "twin", ecs: { ...webui.ecs, service: "twin" } }],
    };
    await expect(rollback({ env, service: "twin", credentials: { vars }, timing: fast })).rejects.toMatchObject({
      code: "ecs.no-stable-revision",
    });
    const twin = (await ecs.describeServices({ cluster: "platform-local", services: ["twin"] })).services![0]!;
    expect(twin.taskDefinition).toMatch(/open-webui:1$/);
    expect(await statusTag(2)).toBe("stable");
  });

  it("does not pick a revision that was rolled back from when rolling back again", async () => {
    await createService(ecs);
    await deploy("v2");
    await deploy("v3");
    await roll();
    expect(await running(ecs)).toMatch(/open-webui:2$/);
    await roll();
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("shows the diff on a dry run and changes nothing", async () => {
    await createService(ecs);
    await deploy("v2");
    const { result } = await roll({ dryRun: true });
    expect(result).toMatchObject({ status: "dry-run" });
    expect(result.to).toMatch(/open-webui:1$/);
    expect(result.diff).toContain(`+      "image": "${REPO}:v1"`);
    expect(await running(ecs)).toMatch(/open-webui:2$/);
  });

  it("refuses revisions that do not exist, belong to another family, are malformed or already run", async () => {
    await createService(ecs);
    await deploy("v2");
    const other = await registerRevision(ecs, `${REPO}:v1`, "bedrock-gateway");
    await expect(roll({ revision: "99" })).rejects.toMatchObject({ code: "ecs.task-definition-not-found" });
    await expect(roll({ revision: other })).rejects.toMatchObject({ code: "ecs.wrong-family" });
    await expect(roll({ revision: "latest" })).rejects.toMatchObject({ code: "ecs.bad-revision" });
    await expect(roll({ revision: "2" })).rejects.toMatchObject({ code: "ecs.already-running" });
    expect(await running(ecs)).toMatch(/open-webui:2$/);
  });

  it("refuses to guess when no revision is recorded as stable, and lists the revisions", async () => {
    await createService(ecs);
    await registerRevision(ecs, `${REPO}:v2`);
    await ecs.updateService({ cluster: "platform-local", service: "open-webui", taskDefinition: "open-webui:2" });
    await expect(roll()).rejects.toMatchObject({
      code: "ecs.no-stable-revision",
      hint: expect.stringContaining("2, 1"),
    });
  });

  it("deregisters revisions beyond the newest N but never the ones it ran or returned to", async () => {
    await createService(ecs);
    await deploy("v2");
    await deploy("v3");
    await deploy("v4");
    const { result } = await roll({ revision: "1", keepRevisions: 2 });
    expect(result.deregistered.map((a) => a.split("/").pop())).toEqual(["open-webui:2"]);
    const active = (await ecs.listTaskDefinitions({ familyPrefix: "open-webui" })).taskDefinitionArns?.map((a) =>
      a.split("/").pop(),
    );
    expect(active?.sort()).toEqual(["open-webui:1", "open-webui:3", "open-webui:4"]);
  });

  it("returns to what ran before when the rollback target itself fails", async () => {
    await createService(ecs, { image: `${REPO}:bad`, circuitBreaker: { enable: true, rollback: false } });
    expect(await deploy("v2")).toBe("succeeded");
    const { result } = await roll({ revision: "1", timing: { ...fast, timeoutMs: 3000 } });
    expect(result.status).toBe("failed-restored");
    expect(result.failure?.stage).toBe("rollout");
    expect(await running(ecs)).toMatch(/open-webui:2$/);
  });
});
