import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type Moto } from "../support/moto.js";

/**
 * End to end through the real `dagger` CLI and a real engine. No engine can run on our CI
 * machines, so this suite is `npm run test:e2e`, never part of `npm test`; where it is asked
 * to run without an engine it fails in beforeAll, saying so, instead of skipping.
 */
const exec = promisify(execFile);

async function dagger(args: string[], timeoutMs = 30 * 60_000): Promise<{ stdout: string; stderr: string }> {
  return exec("dagger", ["--progress=plain", ...args], { cwd: process.cwd(), timeout: timeoutMs, maxBuffer: 64 << 20 });
}

// Every test below needs the CLI and an engine: without them the suite fails here, saying which.
beforeAll(async () => {
  try {
    await exec("dagger", ["version"], { timeout: 30_000 });
  } catch (err) {
    throw new Error(
      `The dagger CLI is not installed or does not run (${(err as Error).message}). Install Dagger v0.21.9 (see README) to run the end-to-end suite.`,
      { cause: err },
    );
  }
  try {
    await dagger(["core", "version"], 5 * 60_000);
  } catch (err) {
    throw new Error(
      `No Dagger engine is reachable: 'dagger core version' failed (${(err as Error).message}). Start a container runtime the CLI can provision an engine on, or set _EXPERIMENTAL_DAGGER_RUNNER_HOST.`,
      { cause: err },
    );
  }
});

describe("the module through the dagger CLI", () => {
  it("lists the pipeline's functions", async () => {
    const { stdout } = await dagger(["functions"]);
    for (const fn of ["check", "lint", "test", "plan", "apply", "deploy-service", "rollback"])
      expect(stdout).toMatch(new RegExp(`^${fn}\\s`, "m"));
  });

  it("lints the repository with no arguments, from the repository root", async () => {
    const { stdout } = await dagger(["call", "lint"]);
    expect(stdout).toMatch(/lint passed: \d+ checks/);
  });

  it("runs the test suite in containers with the emulator bound as a service, and again with its caches kept", async () => {
    // The second run starts from a fresh image around the same cache volumes (issue 10: it
    // failed with "Unable to locate package shellcheck" while the first passed).
    for (const run of ["first", "second"]) {
      const { stdout } = await dagger(["call", "test", "report"]);
      expect(stdout, `${run} run`).toMatch(/^tests: \d+ passed, 0 failed/m);
    }
  });

  it("exports the test run's JUnit XML and coverage with one `export`", async () => {
    const out = `.pipeline/e2e-results-${process.pid}`;
    await dagger(["call", "test", "results", "export", "--path", out]);
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(`${out}/test/junit.xml`, "utf8")).toMatch(/<testsuites /);
    expect(await readFile(`${out}/test/coverage/cobertura-coverage.xml`, "utf8")).toMatch(/<coverage /);
    expect(JSON.parse(await readFile(`${out}/run.json`, "utf8"))).toMatchObject({ ok: true, function: "test" });
  });
});

/**
 * The local rehearsal: the whole pipeline against emulated AWS, no account. One emulator on
 * this machine (the project's, as a newcomer would run it) is given to every call with
 * --aws-endpoint, so the deploy-service and rollback dry runs find what deploy created; the
 * last test lets the module start its own emulator, as the README's first command does.
 */
describe("the local rehearsal through the dagger CLI", () => {
  const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const quick = ["--services", "mcpo", "--platforms", "linux/amd64"];
  let moto: Moto;
  let aws: string[];

  beforeAll(async () => {
    moto = await startMoto();
    aws = ["--aws-endpoint", `tcp://localhost:${new URL(moto.endpoint).port}`];
  });

  afterAll(async () => {
    await moto?.stop();
  });

  it("deploys a commit to local with the caller's emulator: build, scan, publish, plan, apply, deployService", async () => {
    const { stdout } = await dagger([
      "call",
      ...aws,
      "deploy",
      "--env",
      "local",
      "--commit-sha",
      commit,
      ...quick,
      "report",
    ]);
    expect(stdout).toMatch(/^deploy local: passed/m);
    for (const step of ["buildAll", "scanImage", "publish", "plan", "apply", "deployService mcpo"])
      expect(stdout).toMatch(new RegExp(`^\\s+ok\\s+${step}\\s`, "m"));
  });

  it("renders a deploy-service dry run as JSON (--format json), changing nothing", async () => {
    const { stdout } = await dagger([
      "call",
      ...aws,
      "deploy-service",
      "--env",
      "local",
      "--service",
      "mcpo",
      "--image",
      `registry:5000/platform/mcpo:local-${commit.slice(0, 12)}`,
      "--dry-run",
      "--format",
      "json",
    ]);
    // The core's DeployResult (src/ecs/result.ts): a dry run registers and changes nothing.
    const result = JSON.parse(stdout) as { verb: string; status: string; running: string; from: string };
    expect(result).toMatchObject({ verb: "deploy", status: "dry-run" });
    expect(result.running).toBe(result.from);
  });

  it("renders a rollback dry run to the revision Terraform registered, changing nothing", async () => {
    const { stdout } = await dagger([
      "call",
      ...aws,
      "rollback",
      "--env",
      "local",
      "--service",
      "mcpo",
      "--revision",
      "1",
      "--dry-run",
      "--format",
      "json",
    ]);
    const result = JSON.parse(stdout) as { verb: string; status: string; running: string; from: string };
    expect(result).toMatchObject({ verb: "rollback", status: "dry-run" });
    expect(result.running).toBe(result.from);
  });

  it("rehearses the whole pipeline with the emulator the module starts itself (the README's first command)", async () => {
    const { stdout } = await dagger(["call", "deploy", "--env", "local", "--commit-sha", commit, ...quick, "report"]);
    expect(stdout).toMatch(/^deploy local: passed/m);
  });
});
