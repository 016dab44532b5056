import { partition } from "@aws-sdk/core/client";
import { z } from "zod";

/**
 * Field rules the environment schema shares, each refusing at load time what AWS, git or
 * the pipeline would refuse (or misuse) later.
 */

/**
 * The AWS partition of a region the AWS SDK knows (its partitions data, the same the SDK
 * resolves endpoints from), or undefined for a region that does not exist. The SDK answers
 * an unknown region that merely looks like one with the partition's defaults and no
 * description, which is how a listed region is told apart.
 */
export function regionPartition(region: string): string | undefined {
  const info = partition(region) as { name: string; description?: string };
  return info.description === undefined ? undefined : info.name;
}

export const region = z
  .string()
  .refine((r) => regionPartition(r) !== undefined, "an AWS region that exists, such as eu-west-1");

/**
 * ECR's rule for repository names (CreateRepository, repositoryName pattern):
 * `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`, 2 to 256 characters.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html
 */
const ECR_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const ecrRepositoryName = z
  .string()
  .refine((s) => !/\.dkr\.ecr\.|^[0-9]{12}\.|[:@]/.test(s), {
    message: "a repository name such as platform/mcpo, not an image URI",
    abort: true,
  })
  .min(2, "an ECR repository name of 2 to 256 characters")
  .max(256, "an ECR repository name of 2 to 256 characters")
  .regex(ECR_NAME, "an ECR repository name: lower-case letters, digits and . _ - in parts separated by /");

/**
 * A path inside the repository: relative, and never climbing out of it. Var files,
 * contexts, Dockerfiles and patches are read (or sent to a build) from here; `..` or an
 * absolute path would reach files the repository does not hold (a patch from /etc/passwd).
 */
export const repoPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.startsWith("~") && !/^[A-Za-z]:[\\/]/.test(p) && !p.includes("\\"),
    "a path relative to the repository root (no leading /, ~ or drive letter, / as separator)",
  )
  .refine((p) => !p.split("/").includes(".."), "a path inside the repository (no .. segments)");

/** A URL with one of the given protocols (`z.url()` alone accepts git's `ext::` transport and file:). */
export function urlWith(protocols: string[], example: string) {
  return z.string().refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    `a ${protocols.map((p) => p.replace(/:$/, "")).join(" or ")} URL such as ${example}`,
  );
}

const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/[0-9a-f-]{36}|alias\/[\w/-]{1,250})$/;

/** A KMS key or alias ARN: what the S3 backend's kms_key_id and S3's SSE-KMS take. */
export const kmsKeyArn = z
  .string()
  .regex(KMS_KEY_ARN, "a KMS key or alias ARN such as arn:aws:kms:eu-west-1:123456789012:alias/platform-dev-tfstate");

/** Why a KMS key ARN cannot encrypt objects in a bucket of `regionName` (S3 uses keys of its own region), or undefined. */
export function kmsKeyMismatch(arn: string, regionName: string): string | undefined {
  const m = KMS_KEY_ARN.exec(arn);
  if (!m) return undefined;
  if (m[2] !== regionName || m[1] !== regionPartition(regionName))
    return `a key in the state bucket's region ${regionName} (arn:${regionPartition(regionName) ?? "aws"}:kms:${regionName}:...)`;
  return undefined;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

export const roleArn = z.string().regex(ROLE_ARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/name");

/** Account id, partition and name (the last path segment) of a role ARN (undefined when it is not one). */
export function parseRoleArn(arn: string): { partition: string; account: string; name: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, name: arn.slice(arn.lastIndexOf("/") + 1) } : undefined;
}

/**
 * Why a role ARN does not belong to an environment (another account or partition), or
 * undefined when it does. The pipeline's account guard would refuse the role at run time;
 * this says so when the file is written.
 */
export function roleMismatch(arn: string, accountId: string, regionName: string): string | undefined {
  const parsed = parseRoleArn(arn);
  if (!parsed) return undefined;
  if (parsed.account !== accountId) return `a role in the environment's account ${accountId}`;
  const want = regionPartition(regionName);
  if (want && parsed.partition !== want) return `a role in partition ${want} (the partition of ${regionName})`;
  return undefined;
}
