import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvironment } from "../../../src/config/load.js";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { motoCredentials } from "../../support/moto.js";
import { requireTool } from "../../support/tools.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE = path.resolve(here, "../../fixtures/terraform/pipeline");
export const MOTO_ACCOUNT = "123456789012";

export interface RepoOptions {
  endpoint: string;
  name?: string;
  accountId?: string;
  lockTable?: string;
  /** terraform.backend.kmsKeyId. */
  kmsKeyId?: string;
  approval?: boolean;
  tfvars?: string;
}

export interface TestRepo {
  root: string;
  env: EnvironmentConfig;
  /** Process environment for plan/apply: moto keys and the toolchain's PATH, nothing real. */
  vars: NodeJS.ProcessEnv;
}

/**
 * A throw-away repository: the provider-free fixture as terraform/pipeline, an environment
 * file pointing at it and at moto, and its var file. Each test gets its own bucket.
 */
export async function makeRepo(options: RepoOptions): Promise<TestRepo> {
  const root = await mkdtemp(path.join(tmpdir(), "tf-pipeline-"));
  const name = options.name ?? "test";
  await cp(FIXTURE, path.join(root, "terraform", "pipeline"), { recursive: true });
  await mkdir(path.join(root, "environments"));
  const bucket = `tfstate-${path.basename(root).toLowerCase().replace(/[^a-z0-9-]/g, "")}`;
  const envFile = {
    name,
    aws: { accountId: options.accountId ?? MOTO_ACCOUNT, region: "eu-west-1", endpoint: options.endpoint },
    terraform: {
      root: "terraform/pipeline",
      varFile: `environments/${name}.tfvars`,
      backend: {
        bucket,
        key: `platform/${name}.tfstate`,
        region: "eu-west-1",
        ...(options.lockTable ? { lockTable: options.lockTable } : {}),
        ...(options.kmsKeyId ? { kmsKeyId: options.kmsKeyId } : {}),
      },
    },
    approval: { required: options.approval ?? false },
    services: [
      {
        name: "mcpo",
        ecrRepository: "platform/mcpo",
        build: { context: { path: "services/mcpo" } },
        ecs: { cluster: `platform-${name}`, service: "mcpo", containers: ["mcpo"] },
        healthCheck: { path: "/docs" },
      },
    ],
  };
  await writeFile(path.join(root, "environments", `${name}.json`), JSON.stringify(envFile, null, 2));
  await writeFile(path.join(root, "environments", `${name}.tfvars`), options.tfvars ?? `environment = "${name}"\n`);
  await createBucket(options.endpoint, bucket);
  if (options.lockTable) await createLockTable(options.endpoint, options.lockTable);
  const tofu = requireTool("tofu");
  const vars: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(tofu)}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME,
    ...motoCredentials(),
  };
  return { root, env: await loadEnvironment(name, { root }), vars };
}

/** Writes the environment's var file (changing an input of the plan). */
export async function writeVars(repo: TestRepo, text: string): Promise<void> {
  await writeFile(path.join(repo.root, repo.env.terraform.varFile), text);
}

// moto reads the service from the SigV4 credential scope and does not check signatures, so a
// fixed Authorization header is enough to create the bucket and table the backend needs.
function auth(service: string, region = "eu-west-1"): string {
  return `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
}

/** Creates an S3 bucket in the emulator (a state bucket the backend expects to exist). */
export async function createBucket(endpoint: string, bucket: string, region = "eu-west-1"): Promise<void> {
  const res = await fetch(`${endpoint}/${bucket}`, {
    method: "PUT",
    headers: { Authorization: auth("s3", region), "Content-Type": "application/xml" },
    body: `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`,
  });
  if (!res.ok) throw new Error(`create bucket ${bucket}: HTTP ${res.status} ${await res.text()}`);
}

async function createLockTable(endpoint: string, table: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      Authorization: auth("dynamodb"),
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": "DynamoDB_20120810.CreateTable",
    },
    body: JSON.stringify({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: "LockID", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "LockID", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  });
  const text = await res.text();
  if (!res.ok && !text.includes("ResourceInUseException")) throw new Error(`create table ${table}: HTTP ${res.status} ${text}`);
}

/** Lists the state object keys in the bucket (to see that state landed in S3). */
export async function listBucket(endpoint: string, bucket: string): Promise<string[]> {
  const res = await fetch(`${endpoint}/${bucket}?list-type=2`, { headers: { Authorization: auth("s3") } });
  const xml = await res.text();
  return [...xml.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1] ?? "");
}

/** The response headers of a HEAD of one object (its server-side encryption, for one). */
export async function headObject(endpoint: string, bucket: string, key: string): Promise<Headers> {
  const res = await fetch(`${endpoint}/${bucket}/${key}`, { method: "HEAD", headers: { Authorization: auth("s3") } });
  if (!res.ok) throw new Error(`head ${bucket}/${key}: HTTP ${res.status}`);
  return res.headers;
}
