import { CreateBucketCommand, S3Client, type BucketLocationConstraint } from "@aws-sdk/client-s3";
import type { AwsClientConfig } from "../aws/clients.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";

/** Refuses an environment that is not emulated (its file sets no aws.endpoint). */
export function requireEmulated(env: EnvironmentConfig): void {
  if (env.aws.endpoint) return;
  throw userError(
    "emulator.not-emulated",
    `Refusing to bootstrap ${env.name}: environments/${env.name}.json sets no aws.endpoint, so it is a real account`,
    "Real accounts get their state bucket from terraform/bootstrap, applied once by an administrator.",
  );
}

/**
 * Creates an emulator environment's Terraform state bucket, which in a real account
 * terraform/bootstrap creates once: a fresh emulator has none, and `tofu init` of the S3
 * backend fails without it. Refused for an environment that is not emulated (no
 * aws.endpoint): real accounts are bootstrapped by an administrator, never by the pipeline.
 * Creating a bucket that exists is a no-op. Returns what it did, for the log.
 */
export async function bootstrapEmulatorBackend(env: EnvironmentConfig, config: AwsClientConfig): Promise<string> {
  requireEmulated(env);
  const { bucket, region } = env.terraform.backend;
  const s3 = new S3Client({ ...config, region, forcePathStyle: true });
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 takes no location constraint (S3 CreateBucket API reference).
        ...(region === "us-east-1"
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
    return `created state bucket ${bucket} (${region})`;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "BucketAlreadyOwnedByYou" || name === "BucketAlreadyExists") return `state bucket ${bucket} exists`;
    throw new PipelineError(`Failed to create state bucket ${bucket} in the emulator: ${(err as Error).message}`, {
      code: "emulator.bootstrap",
      source: "aws",
      cause: err,
      hint: `Is the emulator answering at ${env.aws.endpoint}?`,
    });
  } finally {
    s3.destroy();
  }
}
