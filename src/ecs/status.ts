import type { Deployment, Service } from "@aws-sdk/client-ecs";
import { ECS } from "@aws-sdk/client-ecs";
import { openSession } from "../aws/index.js";
import { findService } from "../config/load.js";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { awsError, type EcsApi } from "./api.js";
import type { CredentialOptions } from "./context.js";
import { familyOf, historyKeys, MANAGED_BY, revisionOf, tagValue } from "./history.js";
import { describeService } from "./service.js";
import { describeView, recentServiceDeployments, type ServiceDeploymentView } from "./service-deployments.js";

/** One recorded revision of a service's family, as `status` shows it. */
export interface RevisionRecord {
  revision: number;
  arn: string;
  /** The service's containers' images, as registered (repository:tag@sha256:...). */
  images: string[];
  /** History mark: deploying, stable, failed, rolled-back; absent when never deployed by us. */
  mark?: string;
  /** When the mark was set last (stable-at, else deployed-at, else registered-at). */
  at?: string;
  /** Commit the image was built from, read from its tag (the SHA, or <env>-<sha12>). */
  commit?: string;
  registeredBy: "terraform" | "deployer" | "other";
  running: boolean;
}

export interface ServiceStatus {
  service: string;
  cluster: string;
  ecsService: string;
  /** Task definition the service runs (its PRIMARY deployment's). */
  running: string;
  images: string[];
  /** steady: one COMPLETED deployment; rolling: a rollout in flight; failed: the newest one FAILED. */
  state: "steady" | "rolling" | "failed";
  deployments: {
    id: string;
    status: string;
    rolloutState: string;
    taskDefinition: string;
    running: number;
    desired: number;
    failed: number;
  }[];
  /** ECS's record of the last rollouts (ListServiceDeployments), newest first. */
  serviceDeployments: ServiceDeploymentView[];
  /** Why they could not be read (denied, or an API this region or emulator lacks). */
  serviceDeploymentsUnavailable?: string;
  /** Newest Terraform-registered revision (what the next deploy renders from). */
  terraformRevision?: string;
  /** Newest first. */
  history: RevisionRecord[];
}

export interface StatusOptions {
  env: EnvironmentConfig;
  /** One service; all of the environment's when absent. */
  service?: string;
  credentials: CredentialOptions;
  /** Revisions of history per service. Default 10. */
  depth?: number;
}

/**
 * status: per service, what runs (revision, images by digest, deployment state) and the
 * recorded history newest first, read with the read-only (plan) role. Changes nothing.
 */
export async function status(options: StatusOptions): Promise<ServiceStatus[]> {
  const services = options.service ? [findService(options.env, options.service)] : options.env.services;
  const session = await openSession(options.env, {
    purpose: "plan",
    vars: options.credentials.vars,
    ...(options.credentials.roleArn ? { roleArn: options.credentials.roleArn } : {}),
  });
  const ecs = new ECS(session.config);
  try {
    return await Promise.all(services.map((cfg) => serviceStatus(ecs, cfg, options.depth ?? 10)));
  } finally {
    ecs.destroy();
  }
}

export async function serviceStatus(ecs: EcsApi, cfg: ServiceConfig, depth: number): Promise<ServiceStatus> {
  const { cluster, service: ecsService, containers } = cfg.ecs;
  const svc = await describeService(ecs, cluster, ecsService);
  const running = svc.taskDefinition ?? "";
  const family = familyOf(running);
  let arns: string[];
  try {
    const out = await ecs.listTaskDefinitions({
      familyPrefix: family,
      status: "ACTIVE",
      sort: "DESC",
      maxResults: 100,
    });
    arns = (out.taskDefinitionArns ?? []).filter((a) => familyOf(a) === family);
  } catch (err) {
    throw awsError(`list revisions of task definition family ${family}`, err);
  }
  if (!arns.includes(running)) arns.push(running); // a deregistered revision can still run
  arns.sort((a, b) => revisionOf(b) - revisionOf(a));
  const keys = historyKeys({ cluster, service: ecsService });
  const history = await Promise.all(arns.slice(0, depth).map((arn) => record(ecs, arn, containers, running, keys)));
  const terraform = history.find((h) => h.registeredBy === "terraform")?.arn;
  const recent = await recentServiceDeployments(ecs, cluster, ecsService, 5);
  return {
    service: cfg.name,
    cluster,
    ecsService,
    running,
    images: history.find((h) => h.running)?.images ?? [],
    state: stateOf(svc),
    deployments: (svc.deployments ?? []).map(deploymentLine),
    serviceDeployments: recent.views,
    ...(recent.unavailable ? { serviceDeploymentsUnavailable: recent.unavailable } : {}),
    ...(terraform ? { terraformRevision: terraform } : {}),
    history,
  };
}

async function record(
  ecs: EcsApi,
  arn: string,
  containers: string[],
  running: string,
  TAG: ReturnType<typeof historyKeys>,
): Promise<RevisionRecord> {
  let out;
  try {
    out = await ecs.describeTaskDefinition({ taskDefinition: arn, include: ["TAGS"] });
  } catch (err) {
    throw awsError(`describe task definition ${arn}`, err);
  }
  const tags = out.tags ?? [];
  const images = (out.taskDefinition?.containerDefinitions ?? [])
    .filter((c) => containers.includes(c.name ?? ""))
    .map((c) => c.image ?? "");
  const mark = tagValue(tags, TAG.status);
  const registeredAt = out.taskDefinition?.registeredAt;
  const at =
    tagValue(tags, TAG.stableAt) ??
    tagValue(tags, TAG.deployedAt) ??
    (registeredAt ? new Date(registeredAt).toISOString() : undefined);
  const commit = images.map(commitOf).find(Boolean);
  const registeredBy =
    tagValue(tags, MANAGED_BY.key) === MANAGED_BY.terraform
      ? "terraform"
      : tagValue(tags, TAG.deployedAt)
        ? "deployer"
        : "other";
  return {
    revision: revisionOf(arn),
    arn,
    images,
    registeredBy,
    running: arn === running,
    ...(mark ? { mark } : {}),
    ...(at ? { at } : {}),
    ...(commit ? { commit } : {}),
  };
}

/** The commit in an image's tag: a full SHA, or the 12 characters of <env>-<sha12>. */
export function commitOf(image: string): string | undefined {
  const tag = /:([A-Za-z0-9_][A-Za-z0-9_.-]*)(@sha256:[a-f0-9]{64})?$/.exec(
    image.slice(image.lastIndexOf("/") + 1),
  )?.[1];
  if (!tag) return undefined;
  if (/^[0-9a-f]{40}$/.test(tag)) return tag;
  return /^[a-z][a-z0-9-]*-([0-9a-f]{12})$/.exec(tag)?.[1];
}

function stateOf(svc: Service): ServiceStatus["state"] {
  const deployments = svc.deployments ?? [];
  const primary = deployments.find((d) => d.status === "PRIMARY");
  if (primary?.rolloutState === "FAILED") return "failed";
  if (deployments.length > 1 || primary?.rolloutState === "IN_PROGRESS") return "rolling";
  return "steady";
}

function deploymentLine(d: Deployment): ServiceStatus["deployments"][number] {
  return {
    id: d.id ?? "",
    status: d.status ?? "",
    rolloutState: d.rolloutState ?? "",
    taskDefinition: d.taskDefinition ?? "",
    running: d.runningCount ?? 0,
    desired: d.desiredCount ?? 0,
    failed: d.failedTasks ?? 0,
  };
}

const short = (arn: string): string => arn.split("/").pop() ?? arn;

/** The status as text: one block per service, history newest first. */
export function renderStatus(env: string, all: ServiceStatus[]): string {
  const lines: string[] = [];
  for (const s of all) {
    lines.push(`${s.service} in ${env} (service ${s.ecsService}, cluster ${s.cluster}): ${s.state}`);
    lines.push(`  running   ${short(s.running)}  ${s.images.join(", ")}`);
    for (const d of s.deployments)
      lines.push(
        `  deployment ${d.status} ${d.rolloutState} ${short(d.taskDefinition)} ${d.running}/${d.desired} running${d.failed ? `, ${d.failed} failed` : ""}`,
      );
    if (s.terraformRevision) lines.push(`  terraform ${short(s.terraformRevision)} (the next deploy renders from it)`);
    for (const v of s.serviceDeployments)
      lines.push(`  ecs deployment ${describeView(v)}${v.createdAt ? ` (${v.createdAt})` : ""}`);
    if (s.serviceDeploymentsUnavailable)
      lines.push(`  ecs deployments not readable: ${s.serviceDeploymentsUnavailable}`);
    lines.push("  revision  mark         at                        commit        by         image");
    for (const h of s.history) {
      const cells = [
        `${h.running ? "*" : " "}${String(h.revision).padEnd(8)}`,
        (h.mark ?? "-").padEnd(12),
        (h.at ?? "-").padEnd(25),
        (h.commit?.slice(0, 12) ?? "-").padEnd(13),
        h.registeredBy.padEnd(10),
        h.images.join(", "),
      ];
      lines.push(` ${cells.join(" ")}`);
    }
    lines.push("");
  }
  lines.push("* = running. Roll back with: rollback --env <env> --service <name> --revision <number>");
  return lines.join("\n");
}
