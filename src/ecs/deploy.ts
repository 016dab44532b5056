import type { Service, TaskDefinition } from "@aws-sdk/client-ecs";
import { userError } from "../errors.js";
import { findService } from "../config/load.js";
import type { ServiceConfig } from "../config/schema.js";
import { awsError } from "./api.js";
import type { EcsContext } from "./context.js";
import { recordBaseline } from "./baseline.js";
import { requireSomethingToCheck } from "./health-gate.js";
import { deployTags, familyOf } from "./history.js";
import { parseImageRef } from "./image-ref.js";
import { bypassWarnings, preflight, revisionTarget } from "./preflight.js";
import { onService, type ServiceVerbOptions } from "./options.js";
import type { ProgressSink } from "./progress.js";
import { startResult, type DeployResult } from "./result.js";
import { pick, rolloutFor } from "./rollout.js";
import { settle } from "./settle.js";
import { MANAGED_BY, terraformRevision } from "./ownership.js";
import { describeService, describeTaskDefinition, targetGroupsOf, type DescribedTaskDefinition } from "./service.js";
import { diffTaskDefinitions, renderTaskDefinition, toInput } from "./task-definition.js";
import { shortTaskDefinition } from "./watch/snapshot.js";

export interface DeployOptions extends ServiceVerbOptions {
  /** Image with a tag and/or digest. */
  image: string;
}

/**
 * deployService: guard, render, diff, (dry run stops), register, update, wait, verify
 * health; on any failure roll back to the revision that was running before and wait for it.
 */
export async function deployService(options: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  findService(options.env, options.service); // an unknown service is reported before other bad input
  parseImageRef(options.image);
  return onService(options, "deploy", (ctx, cfg, opts) => deployWith(ctx, cfg, opts, started));
}

async function deployWith(
  ctx: EcsContext,
  cfg: ServiceConfig,
  options: DeployOptions & { onProgress: ProgressSink },
  started: number,
): Promise<DeployResult> {
  const { cluster, service: ecsService, containers } = cfg.ecs;
  const svc = await describeService(ctx.ecs, cluster, ecsService);
  const from = svc.taskDefinition ?? "";
  const current = await describeTaskDefinition(ctx.ecs, from);
  const source = await renderSource(ctx, current, from, options.onProgress);
  const rendered = renderTaskDefinition(source.described.taskDefinition, { containers, image: options.image });
  const label = shortTaskDefinition(from);
  const diff = diffTaskDefinitions(
    label,
    toInput(current.taskDefinition),
    label.replace(/:\d+$/, ":new"),
    rendered.input,
  );
  // Nothing differs from what runs: force a new deployment of it. The image differs from
  // Terraform's revision only where the deployer swapped it: register a copy. Otherwise
  // Terraform's revision is exactly what should run: roll it out as it is.
  const unchanged = diff === "";
  const reuse = !unchanged && rendered.unchanged ? source.arn : undefined;
  requireSomethingToCheck({
    verb: "deploy",
    cfg,
    revision: rendered.input,
    label: unchanged ? label : `the new revision (rendered from ${shortTaskDefinition(source.arn)})`,
    targetGroups: targetGroupsOf(svc),
    ...healthUrlOf(options.healthUrl ?? cfg.healthCheck.url),
  });
  options.onProgress(
    diff
      ? { kind: "diff", text: diff }
      : {
          kind: "step",
          message: `image unchanged (${options.image}): forcing a new deployment so ECS pulls the tag again`,
        },
  );
  // Before any change (and on a dry run, which is how a deploy is verified): every check, every failure at once.
  const checks = await preflight(
    ctx.preflight,
    revisionTarget(rendered.input, options.env, cfg, { repository: true, scan: true }),
    options.preflight ?? {},
    options.onProgress,
    `deploy ${cfg.name} to ${options.env.name}`,
  );
  const base = startResult(
    {
      verb: "deploy",
      environment: options.env.name,
      service: cfg.name,
      cluster,
      ecsService,
      account: ctx.identity.account,
      from,
      to: unchanged ? from : (reuse ?? ""),
      diff,
      image: options.image,
      forcedNewDeployment: unchanged,
      renderedFrom: source.arn,
      preflight: checks,
    },
    started,
  );
  base.warnings.push(...bypassWarnings(checks));
  if (options.dryRun) return base;
  refuseConcurrentRollout(svc, ecsService);
  const r = rolloutFor({ ctx, env: options.env, cfg, svc, progress: options.onProgress, ...pick(options) });
  const warnings: string[] = [...base.warnings];
  await recordBaseline(r, svc, current, warnings);
  const to = unchanged
    ? from
    : (reuse ??
      (await register(
        ctx,
        current.taskDefinition,
        rendered.input,
        deployTags(source.described.tags, from, new Date(), { cluster, service: ecsService }),
      )));
  if (!unchanged && !reuse) r.actions.push(`registered ${shortTaskDefinition(to)}`);
  const result = await settle(r, { ...base, to }, started, {
    restoredIsStable: true,
    family: source.described.taskDefinition.family ?? "",
    ...(options.keepRevisions !== undefined ? { keepRevisions: options.keepRevisions } : {}),
  });
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

/**
 * What the new revision is rendered from: the revision Terraform last registered for the
 * service's family (so a change Terraform made to environment, secrets, cpu or memory
 * reaches the service through this deploy's watch, health check and restore), or the running
 * revision when Terraform registered none (a service Terraform does not own, or a platform
 * applied before the tag existed; said in the progress).
 */
async function renderSource(
  ctx: EcsContext,
  current: DescribedTaskDefinition,
  from: string,
  progress: ProgressSink,
): Promise<{ arn: string; described: DescribedTaskDefinition }> {
  const family = current.taskDefinition.family ?? familyOf(from);
  const arn = await terraformRevision(ctx.ecs, family);
  if (!arn) {
    // A step, not a warning: warnings say a rollout went wrong; this says whose definition it is.
    progress({
      kind: "step",
      message: `no revision of ${family} is tagged ${MANAGED_BY.key}=${MANAGED_BY.terraform} (Terraform's): rendering from the running ${shortTaskDefinition(from)}`,
    });
    return { arn: from, described: current };
  }
  progress({
    kind: "step",
    message: `rendering from ${shortTaskDefinition(arn)}, the revision Terraform registered last`,
  });
  return { arn, described: arn === from ? current : await describeTaskDefinition(ctx.ecs, arn) };
}

const healthUrlOf = (url: string | undefined): { healthUrl?: string } => (url ? { healthUrl: url } : {});

/** A second rollout on top of one in flight would make "the revision running before" ambiguous. */
function refuseConcurrentRollout(svc: Service, name: string): void {
  const deployments = svc.deployments ?? [];
  const busy = deployments.length > 1 || deployments.some((d) => d.rolloutState === "IN_PROGRESS");
  if (!busy) return;
  throw userError(
    "ecs.rollout-in-progress",
    `Failed to deploy service ${name}: a rollout is already in progress (${deployments.map((d) => `${d.status ?? "?"} ${d.rolloutState ?? ""} ${shortTaskDefinition(d.taskDefinition ?? "")}`.replace(/\s+/g, " ")).join("; ")})`,
    "Wait for it to finish (or fail), or run rollback, then deploy again.",
  );
}

async function register(
  ctx: EcsContext,
  current: TaskDefinition,
  input: ReturnType<typeof toInput>,
  tags: ReturnType<typeof deployTags>,
): Promise<string> {
  try {
    const out = await ctx.ecs.registerTaskDefinition({ ...input, tags });
    const arn = out.taskDefinition?.taskDefinitionArn;
    if (!arn) throw new Error("no ARN in the answer");
    return arn;
  } catch (err) {
    // Nothing that runs has changed yet: this is an AWS error before any change (exit 3).
    throw awsError(
      `register a new revision of task definition ${current.family ?? ""} (the service was not changed)`,
      err,
      "The deployer's role needs ecs:RegisterTaskDefinition and iam:PassRole on the task and execution roles.",
    );
  }
}
