import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { apply } from "../../../src/terraform/apply.js";
import { readSummaryParts } from "../../../src/terraform/plan-dir.js";
import { plan } from "../../../src/terraform/plan.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { listBucket, makeRepo, writeVars, type TestRepo } from "./harness.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const planInto = (repo: TestRepo, out = "plan") =>
  plan({ env: repo.env, repoRoot: repo.root, outDir: path.join(repo.root, out), vars: repo.vars });

async function refusal(promise: Promise<unknown>): Promise<PipelineError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PipelineError);
  return err as PipelineError;
}

describe("plan and apply against moto's S3 backend", () => {
  it("plans into a directory, applies exactly that plan, and keeps the state in S3", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint, lockTable: "tf-locks" });
    const planned = await planInto(repo);
    expect(planned.summary.counts).toMatchObject({ add: 3, change: 0, destroy: 0 });
    const files = (await readdir(planned.outDir)).sort();
    expect(files).toEqual(["fingerprint.json", "meta.json", "plan.json", "plan.tfplan", "summary-1.md", "summary.md"]);
    expect(planned.meta).toMatchObject({ env: "test", account: "123456789012", hasChanges: true });
    expect(planned.fingerprint.state).toEqual({ lineage: null, serial: null, sha256: null });
    expect((await readSummaryParts(planned.outDir))[0]).toContain("3 to add, 0 to change, 0 to destroy");

    const applied = await apply({ env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars });
    expect(applied.status).toBe("applied");
    expect(applied.applied).toEqual({ add: 3, change: 0, remove: 0 });
    expect(applied.changes.map((c) => c.address).sort()).toEqual([
      "terraform_data.item[0]",
      "terraform_data.item[1]",
      "terraform_data.item[2]",
    ]);
    expect(await listBucket(moto.endpoint, repo.env.terraform.backend.bucket)).toContain("platform/test.tfstate");

    const again = await planInto(repo, "plan2");
    expect(again.summary.hasChanges).toBe(false);
    expect(again.fingerprint.state.serial).toBeGreaterThan(0);
    const noop = await apply({ env: repo.env, repoRoot: repo.root, planDir: again.outDir, vars: repo.vars });
    expect(noop).toMatchObject({ status: "no-changes", changes: [] });
  });

  it("refuses a plan once the state has moved on (another plan of the same inputs was applied)", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const first = await planInto(repo, "first");
    const second = await planInto(repo, "second");
    await apply({ env: repo.env, repoRoot: repo.root, planDir: first.outDir, vars: repo.vars });
    const err = await refusal(apply({ env: repo.env, repoRoot: repo.root, planDir: second.outDir, vars: repo.vars }));
    expect(err.code).toBe("terraform.stale-plan");
    expect(err.message).toMatch(/state moved on: planned against serial none .* now serial \d+/);
  });

  it("refuses a plan whose var file or Terraform source changed since planning, naming what changed", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const planned = await planInto(repo);
    await writeVars(repo, `environment = "test"\nitems = 5\n`);
    let err = await refusal(apply({ env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars }));
    expect(err.code).toBe("terraform.stale-plan");
    expect(err.message).toContain("var file changed");

    await writeVars(repo, `environment = "test"\n`);
    const main = path.join(repo.root, "terraform/pipeline/main.tf");
    await writeFile(main, `${await readFile(main, "utf8")}\n# edited after planning\n`);
    err = await refusal(apply({ env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars }));
    expect(err.message).toContain("Terraform source changed: terraform/pipeline/main.tf");
    expect(await listBucket(moto.endpoint, repo.env.terraform.backend.bucket)).not.toContain("platform/test.tfstate");
  });

  it("refuses credentials of another account before touching the backend", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint, accountId: "999999999999" });
    const err = await refusal(planInto(repo));
    expect(err.code).toBe("aws.wrong-account");
    expect(err.message).toContain("123456789012");
    await expect(readdir(path.join(repo.root, "plan"))).rejects.toThrow();
  });

  it("refuses a plan made for another environment", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const planned = await planInto(repo);
    const other = { ...repo.env, name: "other" };
    const err = await refusal(apply({ env: other, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars }));
    expect(err.code).toBe("terraform.plan-wrong-env");
  });

  it("refuses to apply where approval is required unless the confirmation names the environment", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint, approval: true });
    const planned = await planInto(repo);
    const base = { env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars };
    expect((await refusal(apply(base))).code).toBe("terraform.approval-required");
    expect((await refusal(apply({ ...base, confirm: "prod" }))).message).toContain('"prod" does not name');
    expect(await listBucket(moto.endpoint, repo.env.terraform.backend.bucket)).toEqual([]);
    const applied = await apply({ ...base, confirm: "test" });
    expect(applied.status).toBe("applied");
  });

  it("checks everything on a dry run and changes nothing", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const planned = await planInto(repo);
    const result = await apply({ env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars, dryRun: true });
    expect(result.status).toBe("dry-run");
    expect(await listBucket(moto.endpoint, repo.env.terraform.backend.bucket)).toEqual([]);
  });

  it("refuses a plan file swapped after planning", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const a = await planInto(repo, "a");
    await writeVars(repo, `environment = "test"\nitems = 1\n`);
    const b = await planInto(repo, "b");
    await writeFile(path.join(a.outDir, "plan.tfplan"), await readFile(path.join(b.outDir, "plan.tfplan")));
    const err = await refusal(apply({ env: repo.env, repoRoot: repo.root, planDir: a.outDir, vars: repo.vars }));
    expect(err.code).toBe("terraform.plan-tampered");
  });
});
