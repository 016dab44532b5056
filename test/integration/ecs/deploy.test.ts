import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ECS } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deployService, type DeployOptions } from "../../../src/ecs/deploy.js";
import { historyKeys } from "../../../src/ecs/history.js";
import { renderReport } from "../../../src/ecs/result.js";
import { PipelineError } from "../../../src/errors.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  CLUSTER,
  createService,
  defaultVpc,
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

const SCOPE = { cluster: "platform-local", service: "open-webui" };

describe("deployService against ECS on the emulator", () => {
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

  async function deploy(image: string, extra: Partial<DeployOptions> = {}) {
    const progress = recorder();
    const result = await deployService({
      env: await localEnv(moto),
      service: "open-webui",
      image,
      credentials: { vars },
      timing: fast,
      onProgress: progress.sink,
      ...extra,
    });
    return { result, progress };
  }

  async function revisions(): Promise<string[]> {
    return (await ecs.listTaskDefinitions({ familyPrefix: "open-webui" })).taskDefinitionArns ?? [];
  }

  it("registers a revision with only the image replaced, rolls it out and records it as stable", async () => {
    await createService(ecs);
    const { result, progress } = await deploy(`${REPO}:v2`);
    expect(result.status).toBe("succeeded");
    expect(result.running).toMatch(/open-webui:2$/);
    expect(await running(ecs)).toMatch(/open-webui:2$/);
    const { taskDefinition, tags } = await ecs.describeTaskDefinition({
      taskDefinition: "open-webui:2",
      include: ["TAGS"],
    });
    const container = taskDefinition!.containerDefinitions![0]!;
    expect(container.image).toBe(`${REPO}:v2`);
    expect(container.environment).toEqual([{ name: "WEBUI_URL", value: "https://chat.example.com" }]);
    expect(container.logConfiguration?.options?.["awslogs-group"]).toBe("/ecs/open-webui");
    expect(taskDefinition!.executionRoleArn).toContain("open-webui-execution");
    const tag = (k: string) => tags?.find((t) => t.key === k)?.value;
    expect(tag("team")).toBe("platform");
    expect(tag(historyKeys(SCOPE).status)).toBe("stable");
    expect(tag(historyKeys(SCOPE).previous)).toMatch(/open-webui:1$/);
    expect(progress.text()).toContain("has reached a steady state");
  });

  it("shows the image change as a diff on a dry run and changes nothing", async () => {
    await createService(ecs);
    const { result } = await deploy(`${REPO}:v2`, { dryRun: true });
    expect(result.status).toBe("dry-run");
    expect(result.diff).toContain(`-      "image": "${REPO}:v1"`);
    expect(result.diff).toContain(`+      "image": "${REPO}:v2"`);
    expect(result.diff.split("\n").filter((l) => /^[+-] /.test(l))).toHaveLength(2);
    expect(await revisions()).toHaveLength(1);
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("refuses credentials of another account before any change, naming both accounts", async () => {
    await createService(ecs);
    const env = await localEnv(moto);
    const err = await deployService({
      env: { ...env, aws: { ...env.aws, accountId: "999999999999" } },
      service: "open-webui",
      image: `${REPO}:v2`,
      credentials: { vars },
      timing: fast,
    }).catch((e: unknown) => e);
    expect((err as PipelineError).code).toBe("aws.wrong-account");
    expect((err as Error).message).toMatch(/123456789012.*999999999999/);
    expect(await revisions()).toHaveLength(1);
  });

  it("assumes the environment's deploy role with a CI OIDC token and deploys as that role", async () => {
    await createService(ecs);
    const env = await localEnv(moto);
    const roles = { deploy: "arn:aws:iam::123456789012:role/platform-local-deploy" };
    const progress = recorder();
    const result = await deployService({
      env: { ...env, aws: { ...env.aws, roles } },
      service: "open-webui",
      image: `${REPO}:v2`,
      credentials: { vars: { AWS_WEB_IDENTITY_TOKEN: "header.payload.signature" } },
      timing: fast,
      onProgress: progress.sink,
    });
    expect(result.status).toBe("succeeded");
    expect(progress.text()).toContain("assumed-role/platform-local-deploy");
  });

  it("refuses a deploy role that lives in another account before any change", async () => {
    await createService(ecs);
    const env = await localEnv(moto);
    const roles = { deploy: "arn:aws:iam::999999999999:role/platform-prod-deploy" };
    const err = await deployService({
      env: { ...env, aws: { ...env.aws, roles } },
      service: "open-webui",
      image: `${REPO}:v2`,
      credentials: { vars },
      timing: fast,
    }).catch((e: unknown) => e);
    expect((err as PipelineError).code).toBe("aws.wrong-account");
    expect((err as Error).message).toMatch(/999999999999.*123456789012/);
    expect(await revisions()).toHaveLength(1);
  });

  it("refuses to start while another rollout is still in progress", async () => {
    await createService(ecs);
    const hung = await registerRevision(ecs, `${REPO}:hang`);
    await ecs.updateService({ cluster: CLUSTER, service: "open-webui", taskDefinition: hung });
    await expect(deploy(`${REPO}:v3`)).rejects.toMatchObject({ code: "ecs.rollout-in-progress" });
    expect(await revisions()).toHaveLength(2);
  });

  it("refuses an environment that requires approval unless the confirmation names it", async () => {
    await createService(ecs);
    const env = { ...(await localEnv(moto)), approval: { required: true } };
    const base = { env, service: "open-webui", image: `${REPO}:v2`, credentials: { vars }, timing: fast };
    await expect(deployService(base)).rejects.toMatchObject({ code: "approval.required" });
    await expect(deployService({ ...base, confirm: "prod" })).rejects.toThrow(/does not name it/);
    expect(await revisions()).toHaveLength(1);
    expect((await deployService({ ...base, dryRun: true })).status).toBe("dry-run");
    expect((await deployService({ ...base, confirm: "local" })).status).toBe("succeeded");
  });

  it("refuses a service on the BLUE_GREEN strategy before registering anything", async () => {
    // The emulator keeps deploymentConfiguration.strategy as CreateService sent it, as ECS does.
    await createService(ecs, { strategy: "BLUE_GREEN" });
    const described = await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] });
    expect(described.services?.[0]?.deploymentConfiguration?.strategy).toBe("BLUE_GREEN");
    const err = await deploy(`${REPO}:v2`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ecs.unsupported-strategy", source: "user" });
    expect((err as Error).message).toMatch(/open-webui: it uses the BLUE_GREEN deployment strategy/);
    expect(await revisions()).toHaveLength(1);
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("rejects bad input with a clear error before any change", async () => {
    await expect(deploy(`${REPO}:v2`)).rejects.toMatchObject({ code: "ecs.cluster-not-found" });
    await ecs.createCluster({ clusterName: CLUSTER });
    await expect(deploy(`${REPO}:v2`)).rejects.toMatchObject({ code: "ecs.service-not-found" });
    await createService(ecs);
    await expect(deploy(REPO)).rejects.toMatchObject({ code: "ecs.bad-image" });
    await expect(deploy(`${REPO}:v2`, { service: "nope" })).rejects.toMatchObject({ code: "config.unknown-service" });
    expect(await revisions()).toHaveLength(1);
  });

  it("forces a new deployment without a new revision when the image string is unchanged", async () => {
    await createService(ecs);
    const { result } = await deploy(`${REPO}:v1`);
    expect(result).toMatchObject({ status: "succeeded", forcedNewDeployment: true, diff: "" });
    expect(await revisions()).toHaveLength(1);
  });

  it("judges a forced redeploy of the running revision by its deployment id and never forces the same tag again", async () => {
    await createService(ecs, { image: `${REPO}:bad`, circuitBreaker: { enable: true, rollback: true } });
    let updates = 0;
    const { result } = await deploy(`${REPO}:bad`, {
      onProgress: (e) => {
        if (e.kind === "step" && e.message.startsWith("service updated to")) updates += 1;
      },
    });
    expect(result).toMatchObject({ forcedNewDeployment: true, status: "failed-not-restored" });
    expect(result.failure?.reason).toContain("circuit breaker");
    expect(result.restore?.reason).toContain("forcing it again would pull the same tag");
    expect(updates).toBe(1);
    expect(result.actions.filter((a) => a.startsWith("UpdateService"))).toHaveLength(1);
  });

  it("treats a circuit-breaker rollback as a failure and returns only once the old revision is stable", async () => {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const { result, progress } = await deploy(`${REPO}:bad`);
    expect(result.status).toBe("failed-restored");
    expect(result.failure?.stage).toBe("rollout");
    expect(result.failure?.reason).toContain("circuit breaker");
    expect(result.failure?.stoppedTasks.join()).toContain("Essential container in task exited");
    expect(result.restore).toMatchObject({ by: "ecs-circuit-breaker", ok: true });
    expect(await running(ecs)).toMatch(/open-webui:1$/);
    const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services![0]!;
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]!.rolloutState).toBe("COMPLETED");
    expect(await statusMark(ecs, result.to)).toBe("failed");
    expect(progress.events.filter((e) => e.kind === "watch" && e.change.kind === "stopped-task")).toHaveLength(3);
  });

  it("rolls back itself when failing tasks never trip a circuit breaker, and reports the timeout", async () => {
    await createService(ecs);
    const { result } = await deploy(`${REPO}:bad`, { timing: { ...fast, timeoutMs: 2000 } });
    expect(result.status).toBe("failed-restored");
    expect(result.failure?.stage).toBe("timeout");
    expect(result.failure?.reason).toMatch(/not stable after 2s.*failed/);
    expect(result.restore).toMatchObject({ by: "deployer", ok: true });
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("times out a rollout that never settles and goes back to the revision that ran before", async () => {
    await createService(ecs);
    const { result } = await deploy(`${REPO}:hang`, { timing: { ...fast, timeoutMs: 1500 } });
    expect(result.failure?.stage).toBe("timeout");
    expect(result.failure?.reason).toContain("pending");
    expect(result.status).toBe("failed-restored");
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("keeps polling through AWS throttling and still notices the rollout", async () => {
    await createService(ecs);
    await simulate(moto, "throttle", { action: "DescribeServices", after: 1, count: 4 });
    const { result, progress } = await deploy(`${REPO}:v2`);
    expect(result.status).toBe("succeeded");
    expect(progress.events.some((e) => e.kind === "throttled")).toBe(true);
  });

  describe("with an HTTP health URL", () => {
    let server: Server;
    let status = 200;
    let url = "";
    beforeAll(async () => {
      server = createServer((_req, res) => res.writeHead(status).end(String(status)));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("passes when the URL answers 200 after the rollout", async () => {
      status = 200;
      await createService(ecs);
      const { result } = await deploy(`${REPO}:v2`, { healthUrl: url });
      expect(result.status).toBe("succeeded");
      expect(result.health).toMatchObject({ checked: true, ok: true });
    });

    it("rolls back when the URL fails after a completed rollout, and passes once the old revision serves", async () => {
      status = 503;
      await createService(ecs);
      const { result } = await deploy(`${REPO}:v2`, {
        healthUrl: url,
        onProgress: (e) => {
          if (e.kind === "step" && e.message.startsWith("rolling back")) status = 200;
        },
      });
      expect(result.status).toBe("failed-restored");
      expect(result.failure).toMatchObject({ stage: "health" });
      expect(result.failure?.reason).toContain("HTTP 503");
      expect(await running(ecs)).toMatch(/open-webui:1$/);
    });

    it("reports 'restored, unhealthy' (NOT restored) when the old revision fails the check too", async () => {
      status = 503;
      await createService(ecs);
      const { result } = await deploy(`${REPO}:v2`, { healthUrl: url });
      expect(result.status).toBe("failed-not-restored");
      expect(result.restore).toMatchObject({ ok: false, unhealthy: true });
      expect(renderReport(result)).toContain("restored to open-webui:1, unhealthy");
      expect(await running(ecs)).toMatch(/open-webui:1$/);
      expect(await statusMark(ecs, "open-webui:1")).toBe("restored-unhealthy");
    });
  });

  describe("with an ALB target group", () => {
    async function serviceBehindAlb(): Promise<void> {
      const elb = new ElasticLoadBalancingV2({
        endpoint: moto.endpoint,
        region: "eu-west-1",
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      });
      const tg = await elb.createTargetGroup({
        Name: "open-webui",
        Protocol: "HTTP",
        Port: 8080,
        VpcId: await defaultVpc(moto),
        TargetType: "ip",
        HealthCheckPath: "/health",
      });
      elb.destroy();
      await createService(ecs, {
        loadBalancers: [
          { targetGroupArn: tg.TargetGroups![0]!.TargetGroupArn!, containerName: "open-webui", containerPort: 8080 },
        ],
      });
    }

    it("checks that every registered target is healthy after the rollout", async () => {
      await serviceBehindAlb();
      const { result } = await deploy(`${REPO}:v2`);
      expect(result.status).toBe("succeeded");
      expect(result.health?.details.join()).toContain("open-webui");
      expect(result.health?.details.join()).toContain("2/2 targets healthy");
    });

    it("rolls back when the new tasks' targets stay unhealthy", async () => {
      await serviceBehindAlb();
      const { result } = await deploy(`${REPO}:unhealthy`);
      expect(result.status).toBe("failed-restored");
      expect(result.failure?.stage).toBe("health");
      expect(result.failure?.reason).toContain("not healthy");
      expect(result.failure?.reason).toContain("Health checks failed");
      expect(await running(ecs)).toMatch(/open-webui:1$/);
    });
  });
});
