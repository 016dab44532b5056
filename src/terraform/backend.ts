import type { EnvironmentConfig } from "../config/schema.js";

/**
 * The `-backend-config` arguments of one environment: its bucket, key, region and lock
 * (DynamoDB table when configured, else the S3 lockfile), state encryption, and, when the
 * environment points at an emulator (`aws.endpoint`), the endpoints and the checks a real
 * AWS account needs but an emulator cannot answer.
 */
export function backendConfigArgs(env: Pick<EnvironmentConfig, "aws" | "terraform">): string[] {
  const backend = env.terraform.backend;
  const settings: [string, string][] = [
    ["bucket", backend.bucket],
    ["key", backend.key],
    ["region", backend.region],
    ["encrypt", "true"],
    // With encrypt and no kms_key_id the backend asks S3 for AES256 on every write (see
    // test/integration/terraform/state-encryption.test.ts), and a bucket's default key applies
    // only "if a PUT object request doesn't specify any server-side encryption"
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html): name the
    // key, or the state bypasses the bootstrap's KMS key.
    ...(backend.kmsKeyId ? ([["kms_key_id", backend.kmsKeyId]] as [string, string][]) : []),
    backend.lockTable ? ["dynamodb_table", backend.lockTable] : ["use_lockfile", "true"],
  ];
  const endpoint = env.aws.endpoint?.replace(/\/$/, "");
  if (endpoint) {
    settings.push(
      ["endpoints", `{s3="${endpoint}",dynamodb="${endpoint}",sts="${endpoint}",iam="${endpoint}"}`],
      ["use_path_style", "true"],
      ["skip_credentials_validation", "true"],
      ["skip_requesting_account_id", "true"],
      ["skip_metadata_api_check", "true"],
      ["skip_region_validation", "true"],
    );
  }
  return settings.map(([k, v]) => `-backend-config=${k}=${v}`);
}

/** A one-line description for progress output: s3://bucket/key (lock: table|lockfile). */
export function describeBackend(env: Pick<EnvironmentConfig, "terraform">): string {
  const b = env.terraform.backend;
  const sse = b.kmsKeyId ? `SSE-KMS ${b.kmsKeyId.split(":").pop() ?? ""}` : "SSE-S3";
  return `s3://${b.bucket}/${b.key} (lock: ${b.lockTable ? `DynamoDB ${b.lockTable}` : "S3 lockfile"}; ${sse})`;
}
