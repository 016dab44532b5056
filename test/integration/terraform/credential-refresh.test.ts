import { writeFile, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { apply } from "../../../src/terraform/apply.js";
import { plan } from "../../../src/terraform/plan.js";
import { loadEnvironment } from "../../../src/config/load.js";
import { backendConfigArgs } from "../../../src/terraform/backend.js";
import { runTofu } from "../../../src/terraform/tofu.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { listBucket, makeRepo, MOTO_ACCOUNT, type TestRepo } from "./harness.js";

// An apply that outlives its role session: terraform_data with a local-exec sleep runs longer
// than the sessions the emulator hands out (sessionSeconds), against the S3 backend with the S3
// lockfile. The state is written, and the lock released, only at the end of the apply.
const SESSION_SECONDS = 4;
const APPLY_SLEEP_SECONDS = 12;
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT}:role/platform-refresh-apply`;
const SLOW_ROOT = `terraform {
  backend "s3" {}
}

variable "environment" {
  type = string
}

resource "terraform_data" "slow" {
  input = var.environment
  provisioner "local-exec" {
    command = "sleep ${APPLY_SLEEP_SECONDS}"
  }
}
`;

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

/** A repository whose environment plans and applies with a role (assumed with moto keys). */
async function slowRepo(name: string): Promise<TestRepo> {
  const repo = await makeRepo({ endpoint: moto.endpoint, name });
  await writeFile(path.join(repo.root, "terraform/pipeline/main.tf"), SLOW_ROOT);
  const file = path.join(repo.root, "environments", `${name}.json`);
  const doc = JSON.parse(await readFile(file, "utf8")) as { aws: Record<string, unknown> };
  doc.aws.roles = { plan: ROLE, apply: ROLE };
  await writeFile(file, JSON.stringify(doc, null, 2));
  return { ...repo, env: await loadEnvironment(name, { root: repo.root }) };
}

async function sts(pathname: string, body?: object): Promise<Record<string, number | null>> {
  const res = await fetch(`${moto.endpoint}${pathname}`, {
    method: body ? "POST" : "GET",
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as Record<string, number | null>;
}

describe("credentials that outlive a long apply", () => {
  it("applies across expiring role sessions: tofu asks the core's endpoint, which re-assumes the role", async () => {
    const repo = await slowRepo("refresh");
    const planDir = path.join(repo.root, ".pipeline", "plans", "refresh");
    await plan({ env: repo.env, repoRoot: repo.root, outDir: planDir, vars: repo.vars });
    await sts("/_sts_sim/config", { sessionSeconds: SESSION_SECONDS });
    const before = await sts("/_sts_sim/stats");
    const started = Date.now();
    const result = await apply({ env: repo.env, repoRoot: repo.root, planDir, vars: repo.vars });
    const seconds = (Date.now() - started) / 1000;
    const after = await sts("/_sts_sim/stats");
    await sts("/_sts_sim/config", { sessionSeconds: null });

    expect(result.status).toBe("applied");
    expect(result.applied).toEqual({ add: 1, change: 0, remove: 0 });
    expect(seconds).toBeGreaterThan(SESSION_SECONDS * 2);
    // More sessions than the one the apply started with, and nothing refused.
    expect((after.sessions ?? 0) - (before.sessions ?? 0)).toBeGreaterThan(1);
    expect(after.refused).toBe(0);
    const keys = await listBucket(moto.endpoint, repo.env.terraform.backend.bucket);
    expect(keys).toEqual(["platform/refresh.tfstate"]);
    console.log(
      `credential refresh: apply ${seconds.toFixed(1)} s with ${SESSION_SECONDS} s sessions; ` +
        `${(after.sessions ?? 0) - (before.sessions ?? 0)} sessions assumed, ${after.refused ?? 0} requests refused`,
    );
  }, 180_000);

  it("fails part-way with the state lock held when tofu gets one-shot keys (what it got before)", async () => {
    const repo = await slowRepo("oneshot");
    await sts("/_sts_sim/config", { sessionSeconds: SESSION_SECONDS });
    const client = new STSClient({
      region: "eu-west-1",
      endpoint: moto.endpoint,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const out = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "one-shot" }));
    client.destroy();
    const c = out.Credentials!;
    const ctx = {
      bin: "tofu",
      cwd: path.join(repo.root, "terraform/pipeline"),
      dataDir: path.join(repo.root, ".terraform-oneshot"),
      env: {
        PATH: repo.vars.PATH,
        HOME: repo.vars.HOME,
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: c.AccessKeyId!,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!,
        AWS_SESSION_TOKEN: c.SessionToken!,
      },
    };
    await runTofu(ctx, ["init", "-input=false", "-no-color", ...backendConfigArgs(repo.env)]);
    const run = await runTofu(
      ctx,
      ["apply", "-auto-approve", "-input=false", "-no-color", "-var=environment=oneshot"],
      { check: false },
    );
    const stats = await sts("/_sts_sim/stats");
    await sts("/_sts_sim/config", { sessionSeconds: null });

    expect(run.exitCode).not.toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).toMatch(/ExpiredToken/);
    expect(stats.refused).toBeGreaterThan(0);
    // The lock was never released: the next plan or apply of this state waits or fails.
    const keys = await listBucket(moto.endpoint, repo.env.terraform.backend.bucket);
    expect(keys).toContain("platform/oneshot.tfstate.tflock");
  }, 180_000);
});
