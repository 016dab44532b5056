import type { Tag } from "@aws-sdk/client-ecs";
import { createHash } from "node:crypto";
import { awsError, type EcsApi } from "./api.js";

/**
 * Deploy history lives on the task-definition revisions themselves, as tags, so any later
 * run (or a person with the console) can read it: which revision was running before, when a
 * revision was last seen stable, and which ones failed. The keys name the cluster and
 * service: two services can run one family, and what one service ran says nothing about the
 * other (rollback must never move a service to a revision only its twin ran).
 */
export interface HistoryScope {
  cluster: string;
  service: string;
}

const PREFIX = "ecs-pipeline:";

/** The tag keys of one service's history, e.g. `ecs-pipeline:platform-dev/open-webui:status`. */
export function historyKeys(scope: HistoryScope) {
  let name = `${scope.cluster}/${scope.service}`;
  // ECS tag keys are at most 128 characters; long names are shortened to a stable digest.
  if (name.length > 90) name = createHash("sha256").update(name).digest("hex").slice(0, 16);
  const key = (field: string) => `${PREFIX}${name}:${field}`;
  return {
    status: key("status"),
    stableAt: key("stable-at"),
    previous: key("previous"),
    deployedAt: key("deployed-at"),
  };
}

/** Set by Terraform on the revisions it registers (see ownership.ts); never by the deployer. */
export const MANAGED_BY = { key: "ecs-pipeline:managed-by", terraform: "terraform" } as const;

/**
 * `restored-unhealthy`: the deployer went back to it after a failure but its health check
 * failed; `interrupted`: a rollout of it was abandoned on SIGINT/SIGTERM.
 */
export type RevisionStatus = "deploying" | "stable" | "failed" | "rolled-back" | "restored-unhealthy" | "interrupted";

export function tagValue(tags: Tag[], key: string): string | undefined {
  return tags.find((t) => t.key === key)?.value;
}

/**
 * Our tags for a freshly registered revision, plus the user's own tags copied from the old
 * one (never history tags: the new revision has none yet, for any service).
 */
export function deployTags(oldTags: Tag[], previousArn: string, now: Date, scope: HistoryScope): Tag[] {
  const keys = historyKeys(scope);
  const kept = oldTags.filter((t) => t.key && !t.key.startsWith(PREFIX) && !t.key.startsWith("aws:")).slice(0, 45);
  return [
    ...kept,
    { key: keys.status, value: "deploying" },
    { key: keys.previous, value: previousArn },
    { key: keys.deployedAt, value: now.toISOString() },
  ];
}

export async function markRevision(
  ecs: EcsApi,
  arn: string,
  status: RevisionStatus,
  now: Date,
  scope: HistoryScope,
): Promise<void> {
  const keys = historyKeys(scope);
  const tags: Tag[] = [{ key: keys.status, value: status }];
  if (status === "stable") tags.push({ key: keys.stableAt, value: now.toISOString() });
  try {
    await ecs.tagResource({ resourceArn: arn, tags });
  } catch (err) {
    throw awsError(
      `tag task definition ${arn} as ${status}`,
      err,
      "The deployer's role needs ecs:TagResource on task definitions.",
    );
  }
}

export interface RevisionInfo {
  arn: string;
  revision: number;
  status?: string;
  stableAt?: string;
}

/** The newest `depth` ACTIVE revisions of a family, newest first, with one service's history tags. */
export async function listRevisions(
  ecs: EcsApi,
  family: string,
  scope: HistoryScope,
  depth = 50,
): Promise<RevisionInfo[]> {
  const keys = historyKeys(scope);
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
  arns.sort((a, b) => revisionOf(b) - revisionOf(a));
  const infos: RevisionInfo[] = [];
  for (const arn of arns.slice(0, depth)) {
    const tags = await ecs.listTagsForResource({ resourceArn: arn }).then(
      (o) => o.tags ?? [],
      (err: unknown) => {
        throw awsError(`read tags of ${arn}`, err);
      },
    );
    const status = tagValue(tags, keys.status);
    const stableAt = tagValue(tags, keys.stableAt);
    infos.push({ arn, revision: revisionOf(arn), ...(status ? { status } : {}), ...(stableAt ? { stableAt } : {}) });
  }
  return infos;
}

/** The revision most recently seen stable, other than `current`; never one that failed or was rolled back from. */
export function lastStable(revisions: RevisionInfo[], current: string): RevisionInfo | undefined {
  return revisions
    .filter((r) => r.arn !== current && r.stableAt && r.status !== "failed" && r.status !== "rolled-back")
    .sort((a, b) => (b.stableAt ?? "").localeCompare(a.stableAt ?? "") || b.revision - a.revision)[0];
}

export function familyOf(arn: string): string {
  return (arn.split("/").pop() ?? arn).split(":")[0] ?? arn;
}

export function revisionOf(arn: string): number {
  return Number((arn.split("/").pop() ?? arn).split(":")[1] ?? Number.NaN);
}

/**
 * Deregisters ACTIVE revisions of `family` older than the newest `keep`, never one in
 * `protect` (what runs, what we came from). Returns what it deregistered.
 */
export async function pruneRevisions(
  ecs: EcsApi,
  family: string,
  keep: number,
  protect: string[],
  progress: (e: { kind: "step"; message: string }) => void,
): Promise<string[]> {
  const out = await ecs
    .listTaskDefinitions({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: 100 })
    .catch((err: unknown) => {
      throw awsError(`list revisions of task definition family ${family}`, err);
    });
  const arns = (out.taskDefinitionArns ?? [])
    .filter((a) => familyOf(a) === family)
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const candidates = arns.slice(Math.max(keep, 0)).filter((a) => !protect.includes(a));
  // Terraform's revisions are Terraform's to deregister: deregistering the one in its state
  // would make every later plan want to register it again (drift) and leave nothing to
  // render the next deploy from.
  const doomed: string[] = [];
  for (const arn of candidates) {
    const tags = await ecs.listTagsForResource({ resourceArn: arn }).then(
      (o) => o.tags ?? [],
      (err: unknown) => {
        throw awsError(`read tags of ${arn}`, err);
      },
    );
    if (tagValue(tags, MANAGED_BY.key) !== MANAGED_BY.terraform) doomed.push(arn);
  }
  for (const arn of doomed) {
    await ecs.deregisterTaskDefinition({ taskDefinition: arn }).catch((err: unknown) => {
      throw awsError(`deregister task definition ${arn}`, err, "The role needs ecs:DeregisterTaskDefinition.");
    });
    progress({ kind: "step", message: `deregistered ${arn.split("/").pop() ?? arn} (keeping the newest ${keep})` });
  }
  return doomed;
}
