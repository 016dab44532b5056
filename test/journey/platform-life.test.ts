import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceStatus } from "../../src/ecs/status.js";
import { runCli } from "../integration/images/support/cli.js";
import { startRegistry, type LocalRegistry } from "../integration/images/support/registry.js";
import { buildTrivyCache } from "../integration/images/support/trivy-db.js";
import { startMoto, type Moto } from "../support/moto.js";
import { requireTool } from "../support/tools.js";
import { deployCommit, timings, type DeployRun, type Tools } from "./support/pipeline.js";
import {
  bootstrapAccount,
  CLUSTER,
  ENV,
  holdStateLock,
  makeWorld,
  SERVICES,
  setTfvars,
  type World,
} from "./support/platform.js";

// The platform's life, from an empty account, each step through the core CLI the way the
// Dagger functions drive it, on the emulator (moto + ECS rollout simulation), a real registry
// (skopeo pushes), real Trivy (a DB built from our advisories), real OpenTofu with the S3
// backend on moto. Where the hashicorp/aws provider would act (terraform/bootstrap, and the
// platform's task definitions and services after an apply), support/platform.ts creates the
// resources as that provider would; see there.
const A = "a1".repeat(20);
const B = "b2".repeat(20);
const C = "bad0".repeat(10); // the emulator fails tasks whose image tag says "bad"
const D = "d4".repeat(20);

let moto: Moto;
let registry: LocalRegistry;
let trivyCache: { cacheDir: string; cleanup: () => Promise<void> };
let world: World;
let tools: Tools;
const figures: string[] = [];
const suiteStarted = performance.now();

beforeAll(async () => {
  requireTool("skopeo");
  const trivy = requireTool("trivy");
  [moto, registry, trivyCache] = await Promise.all([startMoto(), startRegistry(), buildTrivyCache()]);
  world = await makeWorld(moto);
  tools = { registry: registry.host, trivy, trivyCache: trivyCache.cacheDir };
});

afterAll(async () => {
  figures.push(
    `journey suite wall time: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s (including setup)`,
  );
  console.log(`\n${figures.join("\n")}\n`);
  world?.ecs.destroy();
  await Promise.all([moto?.stop(), registry?.stop(), trivyCache?.cleanup()]);
  if (world) await rm(world.root, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(args, { cwd: world.root, env: world.vars });

async function status(service?: string): Promise<ServiceStatus[]> {
  const r = await cli(["status", "--env", ENV, "--json", ...(service ? ["--service", service] : [])]);
  expect(r.code, r.log).toBe(0);
  return (JSON.parse(r.out) as { services: ServiceStatus[] }).services;
}

async function runningDefinition(service: string) {
  const svc = (await world.ecs.describeServices({ cluster: CLUSTER, services: [service] })).services![0]!;
  const td = await world.ecs.describeTaskDefinition({ taskDefinition: svc.taskDefinition!, include: ["TAGS"] });
  return { svc, td: td.taskDefinition!, tags: td.tags ?? [] };
}

function registryDigest(ref: string): string {
  const raw = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]);
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

function expectOk(run: DeployRun): void {
  expect(
    run.failed,
    run.failed ? `${run.failed.name} exited ${run.failed.code}\n${run.failed.out}\n${run.failed.log}` : "",
  ).toBeUndefined();
  expect(run.ok).toBe(true);
}

describe.sequential("the platform's life, from an empty account", { timeout: 300_000 }, () => {
  it("cannot plan before the account is bootstrapped, and can once terraform/bootstrap's resources exist", async () => {
    const before = await cli(["plan", "--env", ENV, "--out", path.join(world.root, ".pipeline", "early")]);
    expect(before.code).not.toBe(0);
    expect(`${before.out}\n${before.log}`).toMatch(/platform-tfstate-journey|bucket/i);
    await bootstrapAccount(world);
  });

  it("first deploy: every service starts on the digest the first publish pushed, never a placeholder", async () => {
    const run = await deployCommit(world, tools, A, { buildId: "1" });
    figures.push(`first deploy of ${A.slice(0, 8)} (3 services), step by step:\n${timings(run)}`);
    expectOk(run);
    const images = run.published!.images;
    expect(images.map((i) => [i.service, i.outcome])).toEqual(SERVICES.map((s) => [s, "pushed"]));
    const planned = JSON.parse(
      await readFile(path.join(world.root, ".pipeline", `${A.slice(0, 8)}-1`, "plan", "platform.tfvars.json"), "utf8"),
    ) as {
      images: Record<string, string>;
      cpu_architectures: Record<string, string>;
      health_check_paths: Record<string, string>;
    };
    for (const i of images) {
      expect(planned.images[i.service]).toBe(i.references[0]);
      expect(planned.cpu_architectures[i.service]).toBe("X86_64");
      // healthCheck.path of environments/<env>.json reaches the container's health check through the plan.
      expect(planned.health_check_paths[i.service]).toBe("/health");
      const { svc, td, tags } = await runningDefinition(i.service);
      expect(td.containerDefinitions![0]!.image).toBe(i.references[0]);
      expect(td.containerDefinitions![0]!.healthCheck?.command?.join(" ")).toContain("127.0.0.1:8000/health");
      expect(td.containerDefinitions![0]!.image).toMatch(/:a1a1a1[0-9a-f]+@sha256:[0-9a-f]{64}$/);
      expect(tags).toContainEqual({ key: "ecs-pipeline:managed-by", value: "terraform" });
      expect(svc.deployments!.map((d) => d.rolloutState)).toEqual(["COMPLETED"]);
      expect(registryDigest(`${registry.host}/platform/${i.service}:${A}`)).toBe(i.digest);
    }
    // Terraform's revision already runs the pushed image: nothing left for the deployer.
    expect(run.steps.filter((s) => s.name.startsWith("deploy-service")).map((s) => s.out)).toEqual(
      images.map((i) => `unchanged: already runs ${i.references[0]}`),
    );
  });

  it("an environment variable changed the way Terraform changes it reaches the running service in one deploy", async () => {
    await setTfvars(world.root, { "open-webui": { ENABLE_OLLAMA_API: "false", WEBUI_NAME: "Journey" } });
    const run = await deployCommit(world, tools, B, { buildId: "1" });
    figures.push(
      `deploy of ${B.slice(0, 8)} (an environment variable and three new images), step by step:\n${timings(run)}`,
    );
    expectOk(run);
    // Pre-flight read what publish pushed and attested, in the registry standing in for ECR.
    const deployed = run.steps.find((s) => s.name === "deploy-service open-webui")!.out;
    expect(deployed).toMatch(/pre-flight {4}repository ok: in 127\.0\.0\.1:\d+\/platform\/open-webui/);
    expect(deployed).toMatch(/manifest ok: sha256:[0-9a-f]{64} has linux\/amd64/);
    expect(deployed).toContain("scan ok: 1 platform image(s)");
    expect(deployed).toContain("roles ok: role platform-journey-execution exists");
    const images = new Map(run.published!.images.map((i) => [i.service, i.references[0]!]));
    const { svc, td, tags } = await runningDefinition("open-webui");
    expect(svc.deployments!.map((d) => [d.status, d.rolloutState])).toEqual([["PRIMARY", "COMPLETED"]]);
    expect(td.containerDefinitions![0]!.environment).toContainEqual({ name: "WEBUI_NAME", value: "Journey" });
    expect(td.containerDefinitions![0]!.image).toBe(images.get("open-webui"));
    expect(tags).toContainEqual({ key: `ecs-pipeline:${CLUSTER}/open-webui:status`, value: "stable" });
    expect(tags.some((t) => t.key === "ecs-pipeline:managed-by")).toBe(false); // the deployer's copy, not Terraform's
    for (const service of ["bedrock-gateway", "mcpo"]) {
      const other = await runningDefinition(service);
      expect(other.td.containerDefinitions![0]!.image).toBe(images.get(service));
      expect(other.td.containerDefinitions![0]!.environment ?? []).toEqual([]);
    }
    // The plan gave Terraform the images it registered last (the first publish's), not B's:
    // images change only through the deployer.
    const planned = JSON.parse(
      await readFile(path.join(world.root, ".pipeline", `${B.slice(0, 8)}-1`, "plan", "platform.tfvars.json"), "utf8"),
    ) as { images: Record<string, string> };
    expect(planned.images["open-webui"]).toMatch(new RegExp(`:${A}@`));
  });

  it("a failed deploy is restored to the revision that ran before, and status shows it failed", async () => {
    const before = (await runningDefinition("open-webui")).svc.taskDefinition;
    const run = await deployCommit(world, tools, C, { buildId: "1" });
    figures.push(`failed deploy of ${C.slice(0, 8)}, step by step:\n${timings(run)}`);
    expect(run.ok).toBe(false);
    expect(run.failed?.name).toBe("deploy-service open-webui");
    expect(run.failed?.code).toBe(1);
    expect((await runningDefinition("open-webui")).svc.taskDefinition).toBe(before);
    const [webui] = await status("open-webui");
    expect(webui!.running).toBe(before);
    expect(webui!.state).toBe("steady");
    expect(webui!.history[0]).toMatchObject({ mark: "failed", registeredBy: "deployer", commit: C, running: false });
    expect(webui!.history.find((h) => h.running)).toMatchObject({ mark: "stable", commit: B });
  });

  it("re-running a deploy that failed after publish succeeds without pushing a new digest", async () => {
    await setTfvars(world.root, {
      "open-webui": { ENABLE_OLLAMA_API: "false", WEBUI_NAME: "Journey" },
      mcpo: { LOG_LEVEL: "debug" },
    });
    // Someone else's apply takes the state lock between this deploy's plan and its apply.
    const lock = () => holdStateLock(moto.endpoint, true);
    const first = await deployCommit(world, tools, D, { buildId: "1", beforeApply: lock }).finally(() =>
      holdStateLock(moto.endpoint, false),
    );
    expect(first.failed?.name).toBe("apply");
    expect(first.failed?.log).toMatch(/lock/i);
    const pushed = new Map(first.published!.images.map((i) => [i.service, i.digest]));

    const again = await deployCommit(world, tools, D, { buildId: "2", deployArgs: ["--keep-revisions", "1"] });
    figures.push(`re-run of the deploy of ${D.slice(0, 8)} after a failed apply, step by step:\n${timings(again)}`);
    expectOk(again);
    for (const i of again.published!.images) {
      expect(i.outcome).toBe("reused");
      expect(i.built).not.toBe(i.digest); // this build differs, byte for byte...
      expect(i.digest).toBe(pushed.get(i.service)); // ...so the earlier, scanned digest is deployed
      expect(registryDigest(`${registry.host}/platform/${i.service}:${D}`)).toBe(i.digest);
      expect((await runningDefinition(i.service)).td.containerDefinitions![0]!.image).toBe(i.references[0]);
    }
    expect((await runningDefinition("mcpo")).td.containerDefinitions![0]!.environment).toEqual([
      { name: "LOG_LEVEL", value: "debug" },
    ]);
    // --keep-revisions pruned old revisions, never one Terraform registered.
    for (const service of SERVICES) {
      const tf = (await status(service))[0]!.history.filter((h) => h.registeredBy === "terraform");
      expect(tf.length).toBeGreaterThan(0);
      for (const h of tf) {
        const d = await world.ecs.describeTaskDefinition({ taskDefinition: h.arn });
        expect(d.taskDefinition!.status).toBe("ACTIVE");
      }
    }
  });

  it("rollback returns a service to the last stable revision that status lists", async () => {
    const [mcpo] = await status("mcpo");
    const target = mcpo!.history.find((h) => !h.running && h.mark === "stable" && h.commit === B);
    expect(target).toBeDefined();
    const text = await cli(["status", "--env", ENV, "--service", "mcpo"]);
    expect(text.out).toMatch(new RegExp(`\\*\\s*${mcpo!.history.find((h) => h.running)!.revision}\\s+stable`));
    const r = await cli([
      "rollback",
      "--env",
      ENV,
      "--service",
      "mcpo",
      "--poll-interval-ms",
      "100",
      "--health-attempts",
      "1",
      "--registry",
      registry.host,
    ]);
    expect(r.code, r.log).toBe(0);
    expect(r.out).toContain("pre-flight    manifest ok");
    const [after] = await status("mcpo");
    expect(after!.running).toBe(target!.arn);
    expect(after!.history.find((h) => h.arn === mcpo!.running)).toMatchObject({ mark: "rolled-back", commit: D });
  });

  it("the drift check afterwards is clean: deploys and rollbacks are not drift", async () => {
    const dir = path.join(world.root, ".pipeline", "drift");
    const planned = await cli(["plan", "--env", ENV, "--out", dir]);
    expect(planned.code, planned.log).toBe(0);
    const drift = await cli(["detect-drift", "--plan-dir", dir]);
    expect(drift.code, drift.out).toBe(0);
  });
});
