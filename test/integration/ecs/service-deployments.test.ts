import type { ECS } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findService } from "../../../src/config/load.js";
import { deployService } from "../../../src/ecs/deploy.js";
import { DEPLOY_EXIT, renderReport } from "../../../src/ecs/result.js";
import { serviceStatus } from "../../../src/ecs/status.js";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  CLUSTER,
  createService,
  ecsClient,
  fast,
  localEnv,
  recorder,
  REPO,
  running,
  simulate,
  statusMark,
  vars,
} from "./fixture.js";

/**
 * Deploys judged with ECS's service deployments (ListServiceDeployments/DescribeServiceDeployments)
 * where they are authoritative: ECS's rollback, its target and its outcome. The emulator keeps
 * them in step with its rollout simulation (emulator/server.py, "service deployments").
 */
describe("deploys confirmed by ECS's service deployments", () => {
  let moto: Moto;
  let ecs: ECS;
  let proxy: FaultProxy;
  beforeAll(async () => {
    moto = await startMoto();
    ecs = ecsClient(moto);
    proxy = await startFaultProxy(moto.endpoint);
  });
  afterAll(async () => {
    ecs.destroy();
    await proxy.stop();
    await moto.stop();
  });
  beforeEach(async () => {
    proxy.clear();
    proxy.log.splice(0);
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.5, failSeconds: 0.6 });
  });

  async function deploy(image: string, endpoint = moto.endpoint) {
    const base = await localEnv(moto);
    const progress = recorder();
    const result = await deployService({
      env: { ...base, aws: { ...base.aws, endpoint } },
      service: "open-webui",
      image,
      credentials: { vars },
      timing: fast,
      onProgress: progress.sink,
    });
    return { result, report: renderReport(result), progress };
  }

  async function mark(arn: string): Promise<string | undefined> {
    return statusMark(ecs, arn);
  }

  /** The service revision the service ran before any deploy (its CreateService service deployment's). */
  async function firstRevision(): Promise<string> {
    const listed = await ecs.listServiceDeployments({ cluster: CLUSTER, service: "open-webui" });
    const first = listed.serviceDeployments!.at(-1)!;
    return first.targetServiceRevisionArn!;
  }

  it("reports ECS's circuit-breaker rollback with its reason, counts and target revision (exit 1)", async () => {
    const from = await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const before = await firstRevision();
    const { result, report } = await deploy(`${REPO}:bad`);
    expect(result.status).toBe("failed-restored");
    expect(DEPLOY_EXIT[result.status]).toBe(1);
    expect(result.restore).toMatchObject({ by: "ecs-circuit-breaker", ok: true, ecsStatus: "ROLLBACK_SUCCESSFUL" });
    const sd = result.serviceDeployments?.[0];
    expect(sd).toMatchObject({
      status: "ROLLBACK_SUCCESSFUL",
      circuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
      rollback: { toRevision: before, toRevisionRanBefore: true },
    });
    expect(sd?.statusReason).toMatch(/circuit breaker/);
    expect(result.serviceDeployments).toHaveLength(1); // ECS's rollback is no deployment of the deployer's
    expect(report).toContain("ECS: ROLLBACK_SUCCESSFUL");
    expect(report).toMatch(
      new RegExp(
        `ecs says +\\w+ ROLLBACK_SUCCESSFUL: .*circuit breaker TRIGGERED 3/3 failed tasks; rolled back to service revision ${before.split("/").pop()} \\(the revision that ran before\\)`,
      ),
    );
    expect(await running(ecs)).toBe(from);
    expect(await mark(result.to)).toBe("failed");
    expect(await mark(from)).toBe("stable");
    expect(result.warnings).toEqual([]);

    // status shows the same record, newest first.
    const status = await serviceStatus(ecs, findService(await localEnv(moto), "open-webui"), 3);
    expect(status.serviceDeployments.map((v) => v.status)).toEqual(["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]);
  });

  it("reports a ROLLBACK_FAILED honestly as NOT restored (exit 5), and never marks the old revision stable again", async () => {
    const from = await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    await simulate(moto, "break", { taskDefinition: from }); // its image is gone: the rollback cannot start either
    const { result, report } = await deploy(`${REPO}:bad`);
    expect(result.status).toBe("failed-not-restored");
    expect(DEPLOY_EXIT[result.status]).toBe(5);
    expect(result.restore).toMatchObject({ by: "ecs-circuit-breaker", ok: false, ecsStatus: "ROLLBACK_FAILED" });
    expect(result.restore?.reason).toMatch(/^ECS reports ROLLBACK_FAILED: /);
    expect(result.serviceDeployments?.[0]?.status).toBe("ROLLBACK_FAILED");
    expect(report).toContain("FAILED and NOT restored");
    expect(report).toMatch(/NOT stable: ECS reports ROLLBACK_FAILED/);
    const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services![0]!;
    expect(svc.deployments?.[0]).toMatchObject({ taskDefinition: from, rolloutState: "FAILED" });
    expect(await mark(result.to)).toBe("failed");
    // Marked stable once, by the baseline before the deploy (it was then); never as restored.
    expect(result.actions.filter((a) => a === `marked ${from.split("/").pop()} stable`)).toHaveLength(1);
  });

  it("waits for ECS's rollback when DescribeServices shows FAILED before ECS starts it, instead of racing it", async () => {
    // ECS starts its rollback deployment a second after failing the deployment; meanwhile
    // DescribeServices shows only the FAILED deployment and the service deployment ROLLBACK_REQUESTED.
    await simulate(moto, "config", { rollbackDelaySeconds: 1 });
    const from = await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const { result } = await deploy(`${REPO}:bad`, proxy.endpoint);
    expect(result.status).toBe("failed-restored");
    expect(result.restore).toMatchObject({ by: "ecs-circuit-breaker", ok: true, ecsStatus: "ROLLBACK_SUCCESSFUL" });
    expect(result.actions.filter((a) => a.startsWith("UpdateService"))).toHaveLength(1); // ECS's rollback, not ours
    expect(proxy.log.filter((l) => l.action === "UpdateService")).toHaveLength(1);
    expect(await running(ecs)).toBe(from);

    // Without ECS's word the deployer cannot tell, and rolls back itself (which ECS's pending rollback yields to).
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.5, failSeconds: 0.6, rollbackDelaySeconds: 1 });
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    proxy.inject({ fault: "denied", action: "DescribeServiceDeployments" });
    const blind = await deploy(`${REPO}:bad`, proxy.endpoint);
    expect(blind.result.status).toBe("failed-restored");
    expect(blind.result.restore).toMatchObject({ by: "deployer", ok: true });
  });

  it("degrades to the DescribeServices verdict, with a warning, when the service deployments API is denied", async () => {
    const from = await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    proxy.inject({ fault: "denied", action: "DescribeServiceDeployments" });
    proxy.inject({ fault: "denied", action: "ListServiceDeployments" });
    const failed = await deploy(`${REPO}:bad`, proxy.endpoint);
    expect(failed.result.status).toBe("failed-restored");
    expect(failed.result.restore).toMatchObject({ by: "ecs-circuit-breaker", ok: true });
    expect(failed.result.restore?.ecsStatus).toBeUndefined();
    expect(failed.result.serviceDeployments).toBeUndefined();
    expect(failed.result.warnings.join("\n")).toMatch(
      /ECS service deployments not readable \(AccessDenied.*\): verdict from DescribeServices alone/,
    );
    expect(await running(ecs)).toBe(from);
    // Asked once, then not again for the rest of the verb.
    expect(proxy.log.filter((l) => /ServiceDeployments$/.test(l.action))).toHaveLength(1);

    const ok = await deploy(`${REPO}:v3`, proxy.endpoint);
    expect(ok.result.status).toBe("succeeded");
    expect(ok.report).toMatch(/warning +ECS service deployments not readable/);
  });

  it("asks ECS once a verb on success, not once a poll", async () => {
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
    const { result } = await deploy(`${REPO}:v2`, proxy.endpoint);
    expect(result.status).toBe("succeeded");
    expect(result.serviceDeployments?.map((v) => v.status)).toEqual(["SUCCESSFUL"]);
    const polls = proxy.log.filter((l) => l.action === "DescribeServices").length;
    expect(polls).toBeGreaterThan(2);
    expect(proxy.log.filter((l) => /ServiceDeployments$/.test(l.action)).map((l) => l.action)).toEqual([
      "DescribeServiceDeployments",
    ]);
  });
});
