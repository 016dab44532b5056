import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply } from "../../../src/terraform/apply.js";
import { plan } from "../../../src/terraform/plan.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { headObject, makeRepo, MOTO_ACCOUNT, type TestRepo } from "./harness.js";

/**
 * Which key encrypts the state, asked of S3 (moto) after a real `tofu apply` through the
 * pipeline: the backend's `encrypt` alone makes OpenTofu request SSE-S3 (AES256) on every
 * write, which overrides a bucket's default SSE-KMS key; `terraform.backend.kmsKeyId` makes it
 * request the bootstrap's key. moto records what each PUT asked for; it does not check the key.
 */
let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

async function planAndApply(repo: TestRepo): Promise<void> {
  const planned = await plan({ env: repo.env, repoRoot: repo.root, outDir: path.join(repo.root, "plan"), vars: repo.vars });
  const applied = await apply({ env: repo.env, repoRoot: repo.root, planDir: planned.outDir, vars: repo.vars });
  expect(applied.status).toBe("applied");
}

async function stateEncryption(repo: TestRepo): Promise<{ algorithm: string | null; key: string | null }> {
  const { bucket, key } = repo.env.terraform.backend;
  const headers = await headObject(moto.endpoint, bucket, key);
  return {
    algorithm: headers.get("x-amz-server-side-encryption"),
    key: headers.get("x-amz-server-side-encryption-aws-kms-key-id"),
  };
}

describe("state encryption", () => {
  it("writes the state with the configured KMS key (SSE-KMS), not S3-managed keys", async () => {
    const alias = `arn:aws:kms:eu-west-1:${MOTO_ACCOUNT}:alias/platform-test-tfstate`;
    const repo = await makeRepo({ endpoint: moto.endpoint, kmsKeyId: alias });
    await planAndApply(repo);
    expect(await stateEncryption(repo)).toEqual({ algorithm: "aws:kms", key: alias });
  });

  it("without a key, the backend asks for SSE-S3 (why kmsKeyId exists)", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    await planAndApply(repo);
    expect(await stateEncryption(repo)).toEqual({ algorithm: "AES256", key: null });
  });
});
