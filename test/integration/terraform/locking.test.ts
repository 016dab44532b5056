import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { apply } from "../../../src/terraform/apply.js";
import { plan } from "../../../src/terraform/plan.js";
import type { TerraformProgress } from "../../../src/terraform/progress.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { makeRepo, type TestRepo } from "./harness.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

const planInto = (repo: TestRepo, out: string) =>
  plan({ env: repo.env, repoRoot: repo.root, outDir: path.join(repo.root, out), vars: repo.vars });

/** Starts applying `dir` and resolves once tofu is inside the slow resource (the lock is held). */
function startSlowApply(repo: TestRepo, dir: string): { done: Promise<unknown>; holding: Promise<void> } {
  let signal: () => void = () => {};
  const holding = new Promise<void>((resolve) => (signal = resolve));
  const onProgress = (e: TerraformProgress) => {
    if (e.kind === "resource" && e.address === "terraform_data.slow[0]" && e.state === "started") signal();
  };
  const done = apply({ env: repo.env, repoRoot: repo.root, planDir: dir, vars: repo.vars, onProgress });
  return { done, holding };
}

describe.each([
  { lock: "a DynamoDB lock table", lockTable: "tf-locks" },
  { lock: "the S3 lockfile", lockTable: undefined },
])("state locking with $lock", ({ lockTable }) => {
  it("fails a second apply at once while the first holds the lock, naming the holder", async () => {
    const repo = await makeRepo({
      endpoint: moto.endpoint,
      ...(lockTable ? { lockTable } : {}),
      tfvars: `environment = "test"\napply_delay_seconds = 7\n`,
    });
    const first = await planInto(repo, "first");
    const second = await planInto(repo, "second");
    const running = startSlowApply(repo, first.outDir);
    await running.holding;

    const err = await apply({
      env: repo.env,
      repoRoot: repo.root,
      planDir: second.outDir,
      vars: repo.vars,
      lockTimeoutSeconds: 0,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).code).toBe("terraform.state-locked");
    expect((err as PipelineError).hint).toMatch(/force-unlock \S+/);
    expect((err as PipelineError).message).toMatch(/locked by \S+@\S+ \(lock (?!\(unknown id\))\S+/);
    await expect(running.done).resolves.toMatchObject({ status: "applied" });
  });

  it("makes a second apply wait for the lock, and then refuses it because the first changed the state", async () => {
    const repo = await makeRepo({
      endpoint: moto.endpoint,
      ...(lockTable ? { lockTable } : {}),
      tfvars: `environment = "test"\napply_delay_seconds = 7\n`,
    });
    const first = await planInto(repo, "first");
    const second = await planInto(repo, "second");
    const running = startSlowApply(repo, first.outDir);
    await running.holding;

    const started = Date.now();
    const err = await apply({
      env: repo.env,
      repoRoot: repo.root,
      planDir: second.outDir,
      vars: repo.vars,
      lockTimeoutSeconds: 60,
    }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await expect(running.done).resolves.toMatchObject({ status: "applied" });
    expect(err).toBeInstanceOf(PipelineError);
    // tofu refuses the saved plan as stale once it holds the lock: nothing of it was applied,
    // and the message says so (no "applied before the failure" list, no "state holds" hint).
    expect((err as PipelineError).code).toBe("terraform.stale-plan");
    expect((err as PipelineError).message).toMatch(/another apply finished first\); nothing was applied/);
    expect((err as PipelineError).message).not.toMatch(/Applied before the failure/);
    expect((err as PipelineError).hint).toBe("Plan again, review the new plan and apply that.");
    expect(waited).toBeGreaterThan(1500);
  });
});
