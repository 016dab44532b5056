import type { S3 } from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { PipelineError, userError } from "../errors.js";
import { short } from "./resilience.js";

/**
 * One rollout per service, for everyone (CI jobs, people, other pipelines): a lock object in
 * the environment's Terraform state bucket, created with an S3 conditional write. `If-None-Match: *`
 * makes the create atomic (of two writers exactly one succeeds; the other gets 412, or 409
 * ConditionalRequestConflict while the first is in flight), and `If-Match: <ETag>` lets one
 * writer take over, or delete, exactly the lock it read and no newer one:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html.
 * A holder that died leaves its lock until `expiresAt`; after that the next verb takes it over.
 */
export type LockS3 = Pick<S3, "putObject" | "getObject" | "deleteObject">;

export interface LockHolder {
  id: string;
  /** Who: the AWS identity, then user@host and the process id. */
  owner: string;
  verb: string;
  startedAt: string;
  expiresAt: string;
}

export interface LockPlace {
  bucket: string;
  key: string;
}

export interface HeldLock {
  holder: LockHolder;
  /** Took over an expired lock of this holder. */
  tookOverFrom?: LockHolder;
  release(): Promise<void>;
}

/** Where the lock of one ECS service lives in the state bucket. */
export function lockPlace(bucket: string, cluster: string, service: string): LockPlace {
  return { bucket, key: `ecs-pipeline/locks/${cluster}/${service}.json` };
}

export function newHolder(identityArn: string, verb: string, ttlMs: number, now = Date.now()): LockHolder {
  let user = "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry in some containers
  }
  return {
    id: randomUUID(),
    owner: `${identityArn} (${user}@${hostname()}, pid ${process.pid})`,
    verb,
    startedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlMs).toISOString(),
  };
}

/** Takes the lock, or refuses naming who holds it, since when, until when, and how to unlock. */
export async function acquireLock(s3: LockS3, place: LockPlace, holder: LockHolder): Promise<HeldLock> {
  for (let tries = 0; tries < 3; tries += 1) {
    const created = await put(s3, place, holder, { IfNoneMatch: "*" });
    if (created) return held(s3, place, holder, created);
    const current = await read(s3, place);
    if (!current) continue; // released in between: try again
    if (Date.parse(current.holder.expiresAt) > Date.now()) throw lockedError(place, current.holder, holder.verb);
    const taken = await put(s3, place, holder, { IfMatch: current.etag });
    if (taken) return { ...held(s3, place, holder, taken), tookOverFrom: current.holder };
  }
  throw new PipelineError(`Failed to lock s3://${place.bucket}/${place.key}: other writers kept winning`, {
    code: "ecs.lock-contended",
    source: "aws",
  });
}

/** Removes a lock by its id (the `unlock` verb): refuses when another lock is there now. */
export async function forceUnlock(s3: LockS3, place: LockPlace, id: string): Promise<LockHolder> {
  const current = await read(s3, place);
  if (!current) throw userError("ecs.not-locked", `Failed to unlock: nothing holds s3://${place.bucket}/${place.key}`);
  if (current.holder.id !== id) {
    throw userError(
      "ecs.lock-id-mismatch",
      `Failed to unlock: the lock is held by ${describeHolder(current.holder)}, id ${current.holder.id}, not ${id}`,
      "Pass the id the refusal printed; the lock may have changed hands since.",
    );
  }
  await s3.deleteObject({ Bucket: place.bucket, Key: place.key, IfMatch: current.etag }).catch((err: unknown) => {
    throw lockAwsError("remove", place, err);
  });
  return current.holder;
}

export function describeHolder(h: LockHolder): string {
  return `${h.verb} by ${h.owner}, started ${h.startedAt}, expires ${h.expiresAt}`;
}

function held(s3: LockS3, place: LockPlace, holder: LockHolder, etag: string): HeldLock {
  return {
    holder,
    // Deletes only our own lock: after an expiry another holder's lock has another ETag.
    release: async () => {
      await s3.deleteObject({ Bucket: place.bucket, Key: place.key, IfMatch: etag });
    },
  };
}

function lockedError(place: LockPlace, h: LockHolder, verb: string): PipelineError {
  return userError(
    "ecs.locked",
    `Failed to start ${verb}: another rollout of this service is in progress (${describeHolder(h)}; lock s3://${place.bucket}/${place.key})`,
    `Wait for it to finish. If its holder died, the lock expires at ${h.expiresAt}, or remove it now with: unlock-service --env <env> --service <service> --lock-id ${h.id}`,
  );
}

/** Returns the new ETag, or undefined when the precondition failed (someone else holds it). */
async function put(
  s3: LockS3,
  place: LockPlace,
  holder: LockHolder,
  condition: { IfNoneMatch: string } | { IfMatch: string },
): Promise<string | undefined> {
  try {
    const out = await s3.putObject({
      Bucket: place.bucket,
      Key: place.key,
      Body: JSON.stringify(holder),
      ContentType: "application/json",
      ...condition,
    });
    return out.ETag ?? "";
  } catch (err) {
    if (preconditionFailed(err)) return undefined;
    throw lockAwsError("create", place, err);
  }
}

async function read(s3: LockS3, place: LockPlace): Promise<{ holder: LockHolder; etag: string } | undefined> {
  try {
    const out = await s3.getObject({ Bucket: place.bucket, Key: place.key });
    const holder = JSON.parse((await out.Body?.transformToString()) ?? "{}") as LockHolder;
    return { holder, etag: out.ETag ?? "" };
  } catch (err) {
    if (err instanceof Error && (err.name === "NoSuchKey" || err.name === "NotFound")) return undefined;
    throw lockAwsError("read", place, err);
  }
}

function preconditionFailed(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    err.name === "PreconditionFailed" || err.name === "ConditionalRequestConflict" || status === 412 || status === 409
  );
}

function lockAwsError(act: string, place: LockPlace, err: unknown): PipelineError {
  const missing = err instanceof Error && err.name === "NoSuchBucket";
  return new PipelineError(`Failed to ${act} the rollout lock s3://${place.bucket}/${place.key}: ${short(err)}`, {
    code: "ecs.lock",
    source: "aws",
    cause: err,
    hint: missing
      ? "The lock lives in the environment's Terraform state bucket (terraform.backend.bucket); apply terraform/bootstrap first."
      : "The deploy role needs s3:GetObject, s3:PutObject and s3:DeleteObject on ecs-pipeline/locks/* in the state bucket.",
  });
}
