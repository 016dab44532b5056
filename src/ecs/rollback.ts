import { findService } from "../config/load.js";
import type { ServiceConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import type { EcsContext } from "./context.js";
import { familyOf, lastStable, listRevisions, type HistoryScope } from "./history.js";
import { mark } from "./recover.js";
import { preflight, revisionTarget } from "./preflight.js";
import { onService, type ServiceVerbOptions } from "./options.js";
import type { ProgressSink } from "./progress.js";
import { startResult, type DeployResult } from "./result.js";
import { pick, rolloutFor } from "./rollout.js";
import { requireSomethingToCheck, somethingJudges } from "./health-gate.js";
import { describeService, describeTaskDefinition, targetGroupsOf } from "./service.js";
import { settle } from "./settle.js";
import { diffTaskDefinitions, toInput } from "./task-definition.js";
import { shortTaskDefinition } from "./watch/snapshot.js";

export interface RollbackOptions extends ServiceVerbOptions {
  /** Revision number, `family:revision` or ARN; default: the last revision stable before the current one. */
  revision?: string;
  /** Roll back even when nothing would judge the target's health (loud: a warning, kept in the report). */
  allowUnchecked?: boolean;
}

const UNCHECKED =
  "HEALTH NOT CHECKED (--allow-unchecked): nothing judges this revision (no ALB target group, no container health check, no health URL)";

const REVISION = /^(\d+|[A-Za-z0-9_-]+:\d+|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+)$/;

/**
 * rollback: guard, pick the target (explicit, or the last stable revision from the history
 * tags, never blindly "current minus one"), diff, (dry run stops), update, wait, verify
 * health; a failed rollback returns to what ran before and says so.
 */
export async function rollback(options: RollbackOptions): Promise<DeployResult> {
  const started = Date.now();
  findService(options.env, options.service); // an unknown service is reported before other bad input
  if (options.revision !== undefined && !REVISION.test(options.revision)) {
    throw userError(
      "ecs.bad-revision",
      `Failed to parse revision "${options.revision}": expected a number, family:number or a task-definition ARN`,
    );
  }
  return onService(options, "roll back", (ctx, cfg, opts) => rollbackWith(ctx, cfg, opts, started));
}

async function rollbackWith(
  ctx: EcsContext,
  cfg: ServiceConfig,
  options: RollbackOptions & { onProgress: ProgressSink },
  started: number,
): Promise<DeployResult> {
  const { cluster, service: ecsService } = cfg.ecs;
  const svc = await describeService(ctx.ecs, cluster, ecsService);
  const from = svc.taskDefinition ?? "";
  const target = await resolveTarget(ctx, from, options.revision, options.onProgress, { cluster, service: ecsService });
  const [current, wanted] = await Promise.all([
    describeTaskDefinition(ctx.ecs, from),
    describeTaskDefinition(ctx.ecs, target),
  ]);
  if (wanted.taskDefinition.status !== "ACTIVE") {
    throw userError(
      "ecs.revision-inactive",
      `Failed to roll back to ${shortTaskDefinition(target)}: it is ${wanted.taskDefinition.status ?? "not active"} (deregistered)`,
      "ECS cannot start a service on a deregistered revision; pick an ACTIVE one.",
    );
  }
  const to = wanted.taskDefinition.taskDefinitionArn ?? target;
  const healthUrl = options.healthUrl ?? cfg.healthCheck.url;
  const gate = {
    verb: "roll back" as const,
    cfg,
    revision: wanted.taskDefinition,
    label: shortTaskDefinition(to),
    targetGroups: targetGroupsOf(svc),
    ...(healthUrl ? { healthUrl } : {}),
  };
  requireSomethingToCheck({ ...gate, allowUnchecked: options.allowUnchecked === true });
  const unchecked = somethingJudges(gate) ? undefined : UNCHECKED;
  if (unchecked) options.onProgress({ kind: "warning", message: unchecked });
  const diff = diffTaskDefinitions(
    shortTaskDefinition(from),
    toInput(current.taskDefinition),
    shortTaskDefinition(to),
    toInput(wanted.taskDefinition),
  );
  if (diff) options.onProgress({ kind: "diff", text: diff });
  // The target already ran: its repository and scan were gated when it was deployed, and a
  // gate must not stand between an incident and a known-good revision. What can have changed
  // since is checked: its roles still exist, and its image is still in the registry (lifecycle
  // policies expire old images) for its architecture.
  const checks = await preflight(
    ctx.preflight,
    revisionTarget(toInput(wanted.taskDefinition), options.env, cfg, { repository: false, scan: false }),
    options.preflight ?? {},
    options.onProgress,
    `roll back ${cfg.name} in ${options.env.name} to ${shortTaskDefinition(to)}`,
  );
  const base = startResult(
    {
      verb: "rollback",
      environment: options.env.name,
      service: cfg.name,
      cluster,
      ecsService,
      account: ctx.identity.account,
      from,
      to,
      diff,
      preflight: checks,
    },
    started,
  );
  if (unchecked) base.warnings.push(unchecked);
  if (options.dryRun) return base;
  const r = rolloutFor({
    ctx,
    env: options.env,
    cfg,
    svc,
    progress: options.onProgress,
    ...pick(options),
    ...(unchecked ? { unchecked } : {}),
  });
  const result = await settle(r, base, started, {
    restoredIsStable: false,
    family: familyOf(from),
    ...(options.keepRevisions !== undefined ? { keepRevisions: options.keepRevisions } : {}),
  });
  // settle reports its own warnings; the bypass said before the rollout is kept in front of them.
  const before = unchecked ? [unchecked] : [];
  if (result.status !== "succeeded") return { ...result, warnings: [...before, ...result.warnings] };
  const warnings = [...before, ...result.warnings];
  await mark(r, from, "rolled-back", warnings);
  return { ...result, actions: r.actions, warnings };
}

/** The revision to return to, checked to belong to the service's family and differ from what runs. */
async function resolveTarget(
  ctx: EcsContext,
  current: string,
  revision: string | undefined,
  progress: ProgressSink,
  scope: HistoryScope,
): Promise<string> {
  const family = familyOf(current);
  if (revision === undefined) {
    const revisions = await listRevisions(ctx.ecs, family, scope);
    const stable = lastStable(revisions, current);
    if (!stable) {
      throw userError(
        "ecs.no-stable-revision",
        `Failed to pick a revision to roll back to: no revision of ${family} other than the running ${shortTaskDefinition(current)} is recorded as stable`,
        `Pass --revision explicitly. ACTIVE revisions: ${revisions.map((r) => `${r.revision}${r.status ? ` (${r.status})` : ""}`).join(", ") || "none"}.`,
      );
    }
    progress({
      kind: "step",
      message: `last stable revision before ${shortTaskDefinition(current)}: ${shortTaskDefinition(stable.arn)} (stable at ${stable.stableAt ?? "?"})`,
    });
    return stable.arn;
  }
  const ref = /^\d+$/.test(revision) ? `${family}:${revision}` : revision;
  if (familyOf(ref) !== family) {
    throw userError(
      "ecs.wrong-family",
      `Failed to roll back to ${shortTaskDefinition(ref)}: it belongs to family ${familyOf(ref)}, but the service runs family ${family}`,
      `Pass a revision of ${family} (a number is enough).`,
    );
  }
  if (shortTaskDefinition(ref) === shortTaskDefinition(current)) {
    throw userError(
      "ecs.already-running",
      `Failed to roll back: the service already runs ${shortTaskDefinition(current)}`,
      "Pick another revision.",
    );
  }
  return ref;
}
