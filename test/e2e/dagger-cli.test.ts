import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * End to end through the real `dagger` CLI and a real engine. No engine can run on our CI
 * machines, so this suite is `npm run test:e2e`, never part of `npm test`; where it is asked
 * to run without an engine it fails in beforeAll, saying so, instead of skipping.
 */
const exec = promisify(execFile);

async function dagger(args: string[], timeoutMs = 30 * 60_000): Promise<{ stdout: string; stderr: string }> {
  return exec("dagger", ["--progress=plain", ...args], { cwd: process.cwd(), timeout: timeoutMs, maxBuffer: 64 << 20 });
}

describe("the module through the dagger CLI", () => {
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

  it("lists the pipeline's functions", async () => {
    const { stdout } = await dagger(["functions"]);
    for (const fn of ["check", "lint", "test", "plan", "apply", "deploy-service", "rollback"])
      expect(stdout).toMatch(new RegExp(`^${fn}\\s`, "m"));
  });

  it("lints the repository with no arguments, from the repository root", async () => {
    const { stdout } = await dagger(["call", "lint"]);
    expect(stdout).toMatch(/lint passed: \d+ checks/);
  });

  it("runs the test suite in containers with the emulator bound as a service", async () => {
    const { stdout } = await dagger(["call", "test", "report"]);
    expect(stdout).toMatch(/^tests: \d+ passed, 0 failed/m);
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
