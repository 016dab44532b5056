import type { ECS } from "@aws-sdk/client-ecs";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../support/fault-proxy.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { createService, ecsClient, REPO, root, running, simulate, statusMark } from "./fixture.js";

/**
 * The core CLI as CI runs it, in its own process, sent SIGTERM mid-rollout the way a CI
 * cancel or job timeout does. The emulator is reached through the fault proxy so the test
 * can see when the restore was requested.
 */
describe("deploy-service under SIGTERM", () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let ecs: ECS;
  let dir: string;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startFaultProxy(moto.endpoint);
    ecs = ecsClient(moto);
    dir = await mkdtemp(path.join(tmpdir(), "ecs-signals-"));
    await mkdir(path.join(dir, "environments"));
    const local = JSON.parse(await readFile(path.join(root, "environments/local.json"), "utf8")) as {
      aws: { endpoint: string };
    };
    local.aws.endpoint = proxy.endpoint;
    await writeFile(path.join(dir, "environments/local.json"), JSON.stringify(local));
    await cp(path.join(root, "environments/local.tfvars"), path.join(dir, "environments/local.tfvars"));
  });
  afterAll(async () => {
    ecs.destroy();
    await proxy.stop();
    await moto.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    proxy.clear();
    proxy.log.splice(0);
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.5, failSeconds: 0.5 });
    await createService(ecs);
  });

  /** Runs deploy-service of a never-settling image; calls `onRolling` once the rollout started. */
  function deployHanging(onRolling: (send: (sig: NodeJS.Signals) => void) => void) {
    const child = spawn(
      process.execPath,
      [
        "--import",
        path.join(root, "node_modules/tsx/dist/loader.mjs"),
        path.join(root, "src/cli/main.ts"),
        "deploy-service",
        "--env",
        "local",
        "--service",
        "open-webui",
        "--image",
        `${REPO}:hang`,
        "--timeout-seconds",
        "60",
        "--poll-interval-ms",
        "200",
      ],
      { cwd: dir, env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" } },
    );
    let out = "";
    let err = "";
    let signalled = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      if (!signalled && err.includes("now: rolling out")) {
        signalled = true;
        onRolling((sig) => child.kill(sig));
      }
    });
    return new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
      child.on("exit", (code) => resolve({ code, out, err })),
    );
  }

  it("requests the restore within 5 s, reports 'restore started, not verified' and exits 5", async () => {
    let sentAt = 0;
    const r = await deployHanging((send) => {
      sentAt = Date.now();
      send("SIGTERM");
    });
    expect(r.err).toContain("SIGTERM: stopping. Asking ECS to go back");
    expect(r.out).toContain("INTERRUPTED; restore started, not verified");
    expect(r.out).toContain("failure       interrupted: Interrupted by SIGTERM");
    expect(r.out).toContain("UpdateService back to open-webui:1 (on interrupt)");
    expect(r.code).toBe(5);
    const back = proxy.log.find((l) => l.action === "UpdateService" && l.at >= sentAt);
    expect(back, "an UpdateService after the signal").toBeDefined();
    expect(back!.at - sentAt).toBeLessThan(5000);
    expect(await running(ecs)).toMatch(/open-webui:1$/);
    expect(await statusMark(ecs, "open-webui:2")).toBe("interrupted");
  }, 90_000);

  it("exits at once on a second signal, saying what state it leaves", async () => {
    proxy.inject({ fault: "hang", action: "UpdateService", after: 1 }); // the restore request never returns
    const r = await deployHanging((send) => {
      send("SIGTERM");
      setTimeout(() => send("SIGTERM"), 300);
    });
    expect(r.err).toContain("SIGTERM again: exiting now. The service was left as: rolling out open-webui:2");
    expect(r.code).toBe(5);
  }, 90_000);
});
