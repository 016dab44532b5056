import { findService } from "../config/load.js";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { requireApproval } from "./approval.js";
import { connect, type CredentialOptions, type EcsContext } from "./context.js";
import { acquireLock, describeHolder, lockPlace, newHolder, type HeldLock } from "./lock.js";
import { short } from "./resilience.js";
import { describeService } from "./service.js";
import type { PreflightSettings } from "./preflight.js";
import type { ProgressSink } from "./progress.js";
import type { DeployResult } from "./result.js";
import type { Timing } from "./rollout.js";

/** What deployService and rollback both take: one service of one environment, and how to act on it. */
export interface ServiceVerbOptions {
  env: EnvironmentConfig;
  /** Service name from the environment file, e.g. open-webui. */
  service: string;
  /** Must equal the environment's name when it requires approval. */
  confirm?: string;
  /** Render and diff only; change nothing. */
  dryRun?: boolean;
  credentials: CredentialOptions;
  /** Overrides the service's healthCheck.url. */
  healthUrl?: string;
  /** After a success, deregister revisions older than the newest N (never the running or previous one). */
  keepRevisions?: number;
  timing?: Timing;
  /** The pre-flight checks' bypasses and, for an emulator environment, its stand-in registry. */
  preflight?: PreflightSettings;
  onProgress?: ProgressSink;
  /**
   * SIGINT/SIGTERM. Before the first change an interrupt stops the verb (Interrupted); after
   * it, the verb asks ECS to go back at once and reports "restore started, not verified".
   */
  signal?: AbortSignal;
}

/** The lock outlives a rollout and its restore with room to spare; a dead holder's lock expires after it. */
function lockTtlMs(timeoutMs: number): number {
  return 2 * timeoutMs + 10 * 60_000;
}

async function takeLock(
  ctx: EcsContext,
  env: EnvironmentConfig,
  cfg: ServiceConfig,
  verb: string,
  timeoutMs: number,
  progress: ProgressSink,
): Promise<HeldLock> {
  const place = lockPlace(env.terraform.backend.bucket, cfg.ecs.cluster, cfg.ecs.service);
  const lock = await acquireLock(ctx.s3, place, newHolder(ctx.identity.arn, verb, lockTtlMs(timeoutMs)));
  if (lock.tookOverFrom) {
    progress({ kind: "warning", message: `took over an expired rollout lock (${describeHolder(lock.tookOverFrom)})` });
  }
  progress({ kind: "step", message: `rollout lock taken (id ${lock.holder.id}, expires ${lock.holder.expiresAt})` });
  return lock;
}

/** How long transient AWS errors are ridden out before the first change: then it is exit 3. */
export const PREFLIGHT_BUDGET_MS = 60_000;

/**
 * The part deployService and rollback share: approval (unless a dry run), credentials and the
 * account guard, then `act` on the service with a verified session that is always closed.
 */
export async function onService<O extends ServiceVerbOptions>(
  options: O,
  verb: string,
  act: (ctx: EcsContext, cfg: ServiceConfig, options: O & { onProgress: ProgressSink }) => Promise<DeployResult>,
): Promise<DeployResult> {
  const cfg = findService(options.env, options.service);
  if (!options.dryRun) requireApproval(options.env, options.confirm, verb);
  const progress = options.onProgress ?? (() => {});
  const ctx = await connect(options.env, {
    credentials: options.credentials,
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timing?.retryCapMs ? { retryCapMs: options.timing.retryCapMs } : {}),
    ...(options.timing?.requestTimeoutMs ? { requestTimeoutMs: options.timing.requestTimeoutMs } : {}),
  });
  const timeoutMs = options.timing?.timeoutMs ?? options.env.deploy.timeoutSeconds * 1000;
  ctx.budget.deadline = Date.now() + Math.min(timeoutMs, PREFLIGHT_BUDGET_MS);
  let lock: HeldLock | undefined;
  try {
    progress({ kind: "step", message: `account ${ctx.identity.account} verified (${ctx.identity.arn})` });
    if (!options.dryRun) {
      await describeService(ctx.ecs, cfg.ecs.cluster, cfg.ecs.service); // a wrong cluster or service is bad input, reported first
      lock = await takeLock(ctx, options.env, cfg, verb, timeoutMs, progress);
    }
    return await act(ctx, cfg, { ...options, onProgress: progress });
  } finally {
    await lock?.release().then(
      () => progress({ kind: "step", message: "rollout lock released" }),
      (err: unknown) =>
        progress({
          kind: "warning",
          message: `rollout lock NOT released (${short(err)}); it expires at ${lock?.holder.expiresAt ?? "?"}`,
        }),
    );
    ctx.close();
  }
}
