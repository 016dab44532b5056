import type { ECS } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import type { DeployResult } from "../../../src/ecs/result.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  CLUSTER,
  createService,
  createStateBucket,
  defaultVpc,
  ecsClient,
  registerRevision,
  REPO,
  root,
  simulate,
  statusMark,
} from "./fixture.js";

/**
 * Internal services (no target group, no URL: bedrock-gateway and mcpo on the platform) are
 * judged by their tasks' container health, as ECS reports it in DescribeTasks. The emulator
 * runs a completed deployment's tasks: containers with a health check are UNKNOWN for
 * `healthySeconds`, then HEALTHY, or UNHEALTHY for a "sick" image or one configured so.
 */
const MCPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo";

describe("health of a service without a target group: its containers", () => {
  let moto: Moto;
  let ecs: ECS;
  let dir: string;
  let local: { services: { name: string; healthCheck: Record<string, unknown> }[] };
  beforeAll(async () => {
    moto = await startMoto();
    ecs = ecsClient(moto);
    dir = await mkdtemp(path.join(tmpdir(), "ecs-health-"));
    await mkdir(path.join(dir, "environments"));
    await cp(path.join(root, "environments/local.tfvars"), path.join(dir, "environments/local.tfvars"));
  });
  afterAll(async () => {
    ecs.destroy();
    await moto.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.3, failSeconds: 0.3 });
    local = JSON.parse(await readFile(path.join(root, "environments/local.json"), "utf8")) as typeof local;
    (local as unknown as { aws: { endpoint: string } }).aws.endpoint = moto.endpoint;
    await writeEnv();
  });

  const writeEnv = () => writeFile(path.join(dir, "environments/local.json"), JSON.stringify(local));

  /** mcpo:1 running steady, 2 tasks, circuit breaker on, as the platform leaves it (no load balancer). */
  async function createMcpo(options: { healthCheck?: boolean } = {}): Promise<void> {
    await createStateBucket(ecs);
    await ecs.createCluster({ clusterName: CLUSTER });
    const td = await registerRevision(ecs, `${MCPO}:v1`, "mcpo", options);
    await ecs.createService({
      cluster: CLUSTER,
      serviceName: "mcpo",
      taskDefinition: td,
      desiredCount: 2,
      launchType: "FARGATE",
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
  }

  async function run(verb: string, ...extra: string[]) {
    return runOn("mcpo", verb, ...extra);
  }

  async function runOn(service: string, verb: string, ...extra: string[]) {
    const out: string[] = [];
    const log: string[] = [];
    const code = await main(
      [
        verb,
        ...["--env", "local", "--service", service, "--poll-interval-ms", "100", "--timeout-seconds", "10"],
        ...["--health-attempts", "40", "--health-interval-ms", "150", ...extra],
      ],
      {
        out: (t) => out.push(t),
        log: (t) => log.push(t),
        env: { AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t" },
        cwd: dir,
      },
    );
    return { code, out: out.join("\n"), log: log.join("\n") };
  }

  async function deployJson(image: string) {
    const r = await run("deploy-service", "--image", image, "--json");
    return { ...r, result: JSON.parse(r.out) as DeployResult };
  }

  const runningRevision = async () =>
    (await ecs.describeServices({ cluster: CLUSTER, services: ["mcpo"] })).services![0]!.taskDefinition!;
  const status = (revision: string) => statusMark(ecs, revision, "mcpo");

  it("deploys when the new revision's containers are HEALTHY, and the report names what was checked", async () => {
    await createMcpo();
    const r = await run("deploy-service", "--image", `${MCPO}:v2`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("deploy mcpo to local: deployed");
    expect(r.out).toMatch(
      /health +ok \(checked containers \(mcpo\)\): containers: 2\/2 tasks of mcpo:2 healthy \(mcpo\)/,
    );
    expect(await runningRevision()).toMatch(/mcpo:2$/);
    expect(await status("mcpo:2")).toBe("stable");
  });

  it("waits through UNKNOWN while the containers' first checks run, then deploys", async () => {
    await createMcpo();
    await simulate(moto, "container_health", { healthySeconds: 3 });
    const { code, result, log } = await deployJson(`${MCPO}:v2`);
    expect(code).toBe(0);
    expect(result.status).toBe("succeeded");
    expect(result.health?.what).toEqual(["containers (mcpo)"]);
    expect(result.health?.attempts).toBeGreaterThan(1);
    expect(log).toContain("still being checked");
    expect(log).toContain("mcpo UNKNOWN");
  });

  it("restores the previous revision (exit 1) when the new revision's containers go UNHEALTHY", async () => {
    await createMcpo();
    const r = await run("deploy-service", "--image", `${MCPO}:sick-2`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("FAILED; service restored to mcpo:1");
    expect(r.out).toMatch(
      /failure +health: containers of mcpo:2: container mcpo UNHEALTHY in 2\/2 tasks \([0-9a-f-]+, [0-9a-f-]+\): its health check `python -c import urllib\.request/,
    );
    expect(r.out).toMatch(/returned to +mcpo:1 \(the deployer rolled back; stable\)/);
    expect(r.out).toContain("health        FAILED (checked containers (mcpo))");
    expect(r.out).toMatch(/now running +mcpo:1/);
    // UNHEALTHY is ECS's verdict after the check's own retries: one look, no waiting out the attempts.
    expect(r.log).toMatch(/health check 1: FAILED \(containers of mcpo:2: container mcpo UNHEALTHY/);
    expect(r.log).not.toMatch(/health check 2: .*containers of mcpo:2/);
    expect(await runningRevision()).toMatch(/mcpo:1$/);
    expect(await status("mcpo:2")).toBe("failed");
  });

  it("judges the restore the same way: restored but UNHEALTHY is exit 5", async () => {
    await createMcpo();
    await simulate(moto, "container_health", { images: { v1: "UNHEALTHY" } });
    const { code, result, out } = await deployJson(`${MCPO}:sick-2`);
    expect(code).toBe(5);
    expect(result.status).toBe("failed-not-restored");
    expect(result.restore).toMatchObject({ ok: false, unhealthy: true });
    expect(result.restore?.reason).toMatch(/^health: containers of mcpo:1: container mcpo UNHEALTHY in 2\/2 tasks/);
    expect(result.running).toMatch(/mcpo:1$/);
    expect(out).not.toContain('"status": "succeeded"');
    expect(await status("mcpo:1")).toBe("restored-unhealthy");
    expect(await status("mcpo:2")).toBe("failed");
  });

  it("refuses (exit 2, nothing registered, service untouched) a revision nothing would judge", async () => {
    await createMcpo({ healthCheck: false });
    const before = (await ecs.describeServices({ cluster: CLUSTER, services: ["mcpo"] })).services![0]!;
    const r = await run("deploy-service", "--image", `${MCPO}:v2`);
    expect(r.code).toBe(2);
    expect(r.log).toContain(
      "Error: Failed to deploy service mcpo: nothing would judge its health: the new revision (rendered from mcpo:1) defines no container health check",
    );
    expect(r.log).toContain("Hint: Give its container a health check");
    expect(r.log).toContain('"healthCheck": { "none": true, "reason": "<why>" }');
    const revisions = (await ecs.listTaskDefinitions({ familyPrefix: "mcpo" })).taskDefinitionArns ?? [];
    expect(revisions).toHaveLength(1);
    const after = (await ecs.describeServices({ cluster: CLUSTER, services: ["mcpo"] })).services![0]!;
    expect(after.deployments?.map((d) => d.id)).toEqual(before.deployments?.map((d) => d.id));
  });

  it("refuses a rollback to a revision nothing would judge, the same way", async () => {
    await createMcpo({ healthCheck: false });
    await registerRevision(ecs, `${MCPO}:v2`, "mcpo");
    await ecs.updateService({ cluster: CLUSTER, service: "mcpo", taskDefinition: "mcpo:2" });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const r = await run("rollback", "--revision", "1");
    expect(r.code).toBe(2);
    expect(r.log).toContain(
      "Error: Failed to roll back service mcpo: nothing would judge its health: mcpo:1 defines no",
    );
    expect(r.log).toContain(
      "Hint: Pass --health-url with a URL of the service reachable from here, or --allow-unchecked",
    );
    expect(await runningRevision()).toMatch(/mcpo:2$/);
    // An incident's way back to a revision older than the health checks: explicit, and loud.
    const bypassed = await run("rollback", "--revision", "1", "--allow-unchecked");
    expect(bypassed.code).toBe(0);
    expect(bypassed.log).toContain("HEALTH NOT CHECKED (--allow-unchecked)");
    expect(bypassed.out).toContain("warning       HEALTH NOT CHECKED (--allow-unchecked)");
    expect(bypassed.out).toContain("health        not checked: HEALTH NOT CHECKED (--allow-unchecked)");
    expect(await runningRevision()).toMatch(/mcpo:1$/);
  });

  it("deploys unchecked only when the config says so, and the report says what was not checked and why", async () => {
    await createMcpo({ healthCheck: false });
    const mcpo = local.services.find((s) => s.name === "mcpo")!;
    mcpo.healthCheck = { none: true, reason: "batch proxy, no HTTP listener to probe" };
    await writeEnv();
    const r = await run("deploy-service", "--image", `${MCPO}:v2`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("health        not checked: healthCheck.none: batch proxy, no HTTP listener to probe");
    expect(await runningRevision()).toMatch(/mcpo:2$/);
  });

  describe("behind the ALB", () => {
    /** open-webui:1 registered in a target group, its container with a health check. */
    async function openWebuiBehindAlb(): Promise<void> {
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
        circuitBreaker: { enable: true, rollback: true },
        loadBalancers: [
          { targetGroupArn: tg.TargetGroups![0]!.TargetGroupArn!, containerName: "open-webui", containerPort: 8080 },
        ],
      });
    }

    it("checks the targets and the containers, and names both", async () => {
      await openWebuiBehindAlb();
      const r = await runOn("open-webui", "deploy-service", "--image", `${REPO}:v2`);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /health +ok \(checked ALB targets \(targetgroup\/open-webui\/[0-9a-f]+\), containers \(open-webui\)\)/,
      );
      expect(r.out).toMatch(/open-webui\/[0-9a-f]+: 2\/2 targets healthy/);
      expect(r.out).toContain("containers: 2/2 tasks of open-webui:2 healthy (open-webui)");
    });

    it("fails on UNHEALTHY containers even when the targets pass, and restores", async () => {
      await openWebuiBehindAlb();
      const r = await runOn("open-webui", "deploy-service", "--image", `${REPO}:sick-2`);
      expect(r.code).toBe(1);
      expect(r.out).toContain("FAILED; service restored to open-webui:1");
      expect(r.out).toMatch(
        /failure +health: targetgroup\/open-webui\/[0-9a-f]+: 2\/2 targets healthy; containers of open-webui:2: container open-webui UNHEALTHY in 2\/2 tasks/,
      );
    });
  });
});
