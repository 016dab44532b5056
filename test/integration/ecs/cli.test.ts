import type { ECS } from "@aws-sdk/client-ecs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { REPO, createService, ecsClient, root, running, simulate } from "./fixture.js";

const SECRET = "s3cr3t-value-that-must-not-leak";

describe("the deploy-service and rollback commands", () => {
  let moto: Moto;
  let ecs: ECS;
  let dir: string;
  beforeAll(async () => {
    moto = await startMoto();
    ecs = ecsClient(moto);
    dir = await mkdtemp(path.join(tmpdir(), "ecs-cli-"));
    await mkdir(path.join(dir, "environments"));
    const local = JSON.parse(await readFile(path.join(root, "environments/local.json"), "utf8")) as {
      aws: { endpoint: string };
    };
    local.aws.endpoint = moto.endpoint;
    await writeFile(path.join(dir, "environments/local.json"), JSON.stringify(local));
    // The environment names its var file; loading refuses one that does not exist.
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
    await createService(ecs, { circuitBreaker: { enable: true, rollback: true } });
  });

  async function run(...argv: string[]) {
    const out: string[] = [];
    const log: string[] = [];
    const code = await main(argv, {
      out: (t) => out.push(t),
      log: (t) => log.push(t),
      env: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: SECRET },
      cwd: dir,
    });
    return { code, out: out.join("\n"), log: log.join("\n") };
  }
  const fastFlags = ["--poll-interval-ms", "100", "--timeout-seconds", "10"];

  it("deploys, prints progress prefixed with service/cluster and a report, and exits 0", async () => {
    const r = await run(
      "deploy-service",
      "--env",
      "local",
      "--service",
      "open-webui",
      "--image",
      `${REPO}:v2`,
      ...fastFlags,
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^deploy open-webui to local: deployed/);
    expect(r.out).toContain("now running   open-webui:2");
    expect(r.log).toContain("open-webui/platform-local event");
    expect(r.log).toContain("has reached a steady state");
    expect(`${r.out}${r.log}`).not.toContain(SECRET);
  });

  it("prints JSON for machines and exits 1 when a failed deploy was rolled back", async () => {
    const r = await run(
      "deploy-service",
      "--env",
      "local",
      "--service",
      "open-webui",
      "--image",
      `${REPO}:bad`,
      "--json",
      ...fastFlags,
    );
    expect(r.code).toBe(1);
    const result = JSON.parse(r.out) as { status: string; running: string; restore: { by: string } };
    expect(result.status).toBe("failed-restored");
    expect(result.running).toMatch(/open-webui:1$/);
    expect(result.restore.by).toBe("ecs-circuit-breaker");
    expect(r.log).toContain("stopped task");
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("rolls back by default to the last stable revision", async () => {
    await run("deploy-service", "--env", "local", "--service", "open-webui", "--image", `${REPO}:v2`, ...fastFlags);
    const r = await run("rollback", "--env", "local", "--service", "open-webui", ...fastFlags);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^rollback open-webui to local: rolled back/);
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("prints a JSON error on stdout with --json when it fails before any change", async () => {
    const r = await run(
      "rollback",
      "--env",
      "local",
      "--service",
      "open-webui",
      "--revision",
      "99",
      "--json",
      ...fastFlags,
    );
    expect(r.code).toBe(2);
    const answer = JSON.parse(r.out) as { status: string; changed: boolean; error: { code: string } };
    expect(answer).toMatchObject({ status: "error", changed: false, error: { code: "ecs.task-definition-not-found" } });
    expect(await running(ecs)).toMatch(/open-webui:1$/);
  });

  it("exits 2 when a required option is missing, the environment is unknown or a number is not one", async () => {
    const missing = await run("deploy-service", "--env", "local", "--service", "open-webui");
    expect(missing.code).toBe(2);
    expect(missing.log).toContain("missing required option --image");
    const unknown = await run("rollback", "--env", "qa", "--service", "open-webui");
    expect(unknown.code).toBe(2);
    expect(unknown.log).toContain('Unknown environment "qa". Valid environments: local.');
    const bad = await run("rollback", "--env", "local", "--service", "open-webui", "--timeout-seconds", "soon");
    expect(bad.code).toBe(2);
    expect(bad.log).toContain('--timeout-seconds: found "soon"');
  });
});
