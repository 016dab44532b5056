import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { apply } from "../../../src/terraform/apply.js";
import { plan } from "../../../src/terraform/plan.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { makeRepo, writeVars, type TestRepo } from "../terraform/harness.js";

// Real OpenTofu plans of the provider-free fixture, with state in moto's S3.

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const planInto = (repo: TestRepo, out: string) =>
  plan({ env: repo.env, repoRoot: repo.root, outDir: path.join(repo.root, out), vars: repo.vars });

async function detectDrift(planDir: string): Promise<{ code: number; out: string[]; log: string[] }> {
  const out: string[] = [];
  const log: string[] = [];
  const code = await main(["detect-drift", "--plan-dir", planDir], {
    out: (t) => out.push(t),
    log: (t) => log.push(t),
    env: {},
    cwd: process.cwd(),
  });
  return { code, out, log };
}

describe("ecs-pipeline detect-drift on real plans", () => {
  it("exits 1 while the code is not applied, 0 once state and code agree, and 1 again when the code moves on", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });

    const fresh = await planInto(repo, "fresh");
    const before = await detectDrift(fresh.outDir);
    expect(before.code).toBe(1);
    expect(before.out).toEqual([
      "Drift in test: the plan wants 3 to add. Someone changed the live resources or the code was not applied.",
    ]);

    await apply({ env: repo.env, repoRoot: repo.root, planDir: fresh.outDir, vars: repo.vars });
    const clean = await detectDrift((await planInto(repo, "clean")).outDir);
    expect(clean).toMatchObject({ code: 0, out: ["No drift in test: the live state matches the code."] });

    await writeVars(repo, 'environment = "test"\nitems = 2\n');
    const changed = await planInto(repo, "changed");
    const after = await detectDrift(changed.outDir);
    expect(after.code).toBe(1);
    expect(after.out[0]).toMatch(/^Drift in test: the plan wants .*1 to destroy/);
  });

  it("fails as a user error, not as drift, when the directory is not a plan", async () => {
    const result = await detectDrift(path.join(process.cwd(), "environments"));
    expect(result.code).toBe(2);
    expect(result.log[0]).toMatch(/Failed to read the plan directory .*meta\.json/);
  });
});
