import type { Service, TaskDefinition } from "@aws-sdk/client-ecs";
import { userError } from "../errors.js";
import { findService } from "../config/load.js";
import type { ServiceConfig } from "../config/schema.js";
import { awsError } from "./api.js";
import type { EcsContext } from "./context.js";
import { recordBaseline } from "./baseline.js";
import { deployTags } from "./history.js";
import { parseImageRef } from "./image-ref.js";
import { onService, type ServiceVerbOptions } from "./options.js";
import type { ProgressSink } from "./progress.js";
import { startResult, type DeployResult } from "./result.js";
import { pick, rolloutFor } from "./rollout.js";
import { settle } from "./settle.js";
import { describeService, describeTaskDefinition } from "./service.js";
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
  const rendered = renderTaskDefinition(current.taskDefinition, { containers, image: options.image });
  const label = shortTaskDefinition(from);
  const diff = diffTaskDefinitions(
    label,
    toInput(current.taskDefinition),
    label.replace(/:\d+$/, ":new"),
    rendered.input,
  );
  options.onProgress(
    diff
      ? { kind: "diff", text: diff }
      : {
          kind: "step",
          message: `image unchanged (${options.image}): forcing a new deployment so ECS pulls the tag again`,
        },
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
      to: rendered.unchanged ? from : "",
      diff,
      image: options.image,
      forcedNewDeployment: rendered.unchanged,
    },
    started,
  );
  if (options.dryRun) return base;
  refuseConcurrentRollout(svc, ecsService);
  const r = rolloutFor({ ctx, env: options.env, cfg, svc, progress: options.onProgress, ...pick(options) });
  const warnings: string[] = [];
  await recordBaseline(r, svc, current, warnings);
  const to = rendered.unchanged
    ? from
    : await register(
        ctx,
        current.taskDefinition,
        rendered.input,
        deployTags(current.tags, from, new Date(), { cluster, service: ecsService }),
      );
  if (!rendered.unchanged) r.actions.push(`registered ${shortTaskDefinition(to)}`);
  const result = await settle(r, { ...base, to }, started, {
    restoredIsStable: true,
    family: current.taskDefinition.family ?? "",
    ...(options.keepRevisions !== undefined ? { keepRevisions: options.keepRevisions } : {}),
  });
  return { ...result, warnings: [...warnings, ...result.warnings] };
}

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
