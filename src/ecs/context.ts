import { ECS } from "@aws-sdk/client-ecs";
import { S3 } from "@aws-sdk/client-s3";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ECRClient } from "@aws-sdk/client-ecr";
import { IAM } from "@aws-sdk/client-iam";
import { openSession, type CallerIdentity, type CredentialProvider, type RolePurpose } from "../aws/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import type { EcsApi, ElbApi } from "./api.js";
import type { LockS3 } from "./lock.js";
import type { PreflightAws } from "./preflight.js";
import type { ProgressSink } from "./progress.js";
import { resilient, type RetryPolicy } from "./resilience.js";

export interface CredentialOptions {
  /** Process environment with AWS_ACCESS_KEY_ID/..., or AWS_WEB_IDENTITY_TOKEN (see src/aws). */
  vars: NodeJS.ProcessEnv;
  /** Role to assume instead of `env.aws.roles.deploy`. */
  roleArn?: string;
  /** SDK attempts per call. Default 1: the deployer retries transient errors itself (resilience.ts). */
  maxAttempts?: number;
  /** Which configured role to assume; default deploy. */
  purpose?: RolePurpose;
}

export interface ConnectOptions {
  credentials: CredentialOptions;
  /** Aborting it (SIGINT/SIGTERM) ends the call in flight with Interrupted. */
  signal?: AbortSignal;
  progress: ProgressSink;
  /** Longest pause between retries of a transient error. Default 5 s. */
  retryCapMs?: number;
  /** One HTTP request's limit: a connection that never answers is a transient error, not a hang. Default 10 s. */
  requestTimeoutMs?: number;
}

export interface EcsContext {
  /** ECS and ELB with every call retried through transient errors until `budget.deadline`. */
  ecs: EcsApi;
  elb: ElbApi;
  /** S3 in the state bucket's region, for the rollout lock. */
  s3: LockS3;
  /** IAM and ECR for the pre-flight checks (roles exist, registry login), retried like ECS. */
  preflight: PreflightAws;
  identity: CallerIdentity;
  /**
   * The instant (epoch ms) transient errors stop being ridden out; each phase of a verb moves
   * it. Unset: each call gets a minute of its own.
   */
  budget: { deadline?: number };
  /** Clients that ignore the interrupt and retry until `deadline`: for the restore an interrupt starts. */
  detached(deadline: number): { ecs: EcsApi; elb: ElbApi };
  /** Clients that give up at `deadline` (and on an interrupt): for reads that must not hold a verdict up. */
  bounded(deadline: number): { ecs: EcsApi };
  close(): void;
}

/** Credentials, the account guard, then clients: nothing touches ECS before the guard passed. */
export async function connect(env: EnvironmentConfig, options: ConnectOptions): Promise<EcsContext> {
  const open = () =>
    openSession(env, {
      purpose: options.credentials.purpose ?? "deploy",
      vars: options.credentials.vars,
      ...(options.credentials.roleArn ? { roleArn: options.credentials.roleArn } : {}),
      // One attempt per SDK call: resilience.ts owns retrying, with a backoff capped to the phase.
      maxAttempts: options.credentials.maxAttempts ?? 1,
    });
  const session = await open();
  // Clients are rebuilt around fresh credentials: the SDK memoizes a provider's answer until
  // the expiry it states, so a revoked-but-unexpired token would otherwise be reused.
  const make = (credentials: CredentialProvider) => {
    const config = {
      ...session.config,
      credentials,
      requestHandler: {
        connectionTimeout: 3000,
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        throwOnRequestTimeout: true,
      },
    };
    const s3 = new S3({
      ...config,
      region: env.terraform.backend.region,
      ...(env.aws.endpoint ? { forcePathStyle: true } : {}),
    });
    return {
      ecs: new ECS(config),
      elb: new ElasticLoadBalancingV2(config),
      s3,
      iam: new IAM(config),
      ecr: new ECRClient(config),
    };
  };
  const all = [make(session.config.credentials)];
  const latest = () => all[all.length - 1]!;
  let minting: Promise<void> | undefined;
  // An expired or revoked session token: assume the role again (a new session, checked by the guard again).
  const remint = (): Promise<void> =>
    (minting ??= open()
      .then((fresh) => {
        all.push(make(fresh.config.credentials));
        options.progress({ kind: "step", message: "credentials expired: assumed the deploy role again" });
      })
      .finally(() => (minting = undefined)));
  const budget: { deadline?: number } = {};
  const policy = (deadline: () => number, signal?: AbortSignal): RetryPolicy => ({
    deadline,
    remint,
    ...(signal ? { signal } : {}),
    ...(options.retryCapMs ? { capMs: options.retryCapMs } : {}),
    onRetry: (r) =>
      options.progress(
        r.kind === "throttling"
          ? { kind: "throttled", retryInMs: r.retryInMs }
          : { kind: "retrying", what: r.what, error: r.error, retryInMs: r.retryInMs },
      ),
  });
  const guarded = policy(() => budget.deadline ?? Date.now() + 60_000, options.signal);
  const ecs = () => latest().ecs as EcsApi;
  const elb = () => latest().elb as ElbApi;
  const s3 = () => latest().s3 as LockS3;
  return {
    ecs: resilient(ecs, "ECS", guarded),
    elb: resilient(elb, "ELB", guarded),
    s3: resilient(
      s3,
      "S3",
      policy(() => Date.now() + 30_000),
    ),
    preflight: {
      iam: resilient(() => latest().iam as PreflightAws["iam"], "IAM", guarded),
      ecr: resilient(() => latest().ecr as PreflightAws["ecr"], "ECR", guarded),
    },
    identity: session.identity,
    budget,
    detached: (deadline) => ({
      ecs: resilient(
        ecs,
        "ECS",
        policy(() => deadline),
      ),
      elb: resilient(
        elb,
        "ELB",
        policy(() => deadline),
      ),
    }),
    bounded: (deadline) => ({
      ecs: resilient(
        ecs,
        "ECS",
        policy(() => deadline, options.signal),
      ),
    }),
    close: () => {
      for (const c of all) {
        c.ecs.destroy();
        c.elb.destroy();
        c.s3.destroy();
        c.iam.destroy();
        c.ecr.destroy();
      }
    },
  };
}
