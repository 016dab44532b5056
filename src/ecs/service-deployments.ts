import type { ServiceDeployment } from "@aws-sdk/client-ecs";
import type { EcsApi } from "./api.js";
import { abortableSleep, Interrupted, short } from "./resilience.js";

/**
 * ECS's own record of a rollout: a service deployment
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html).
 * DescribeServices shows deployments while they live; a service deployment keeps the outcome:
 * its status (SUCCESSFUL, STOPPED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED...),
 * why (statusReason), the circuit breaker's count against its threshold, and for a rollback
 * the service revision ECS went back to and whether that worked
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Rollback.html). ECS creates
 * no new service deployment for its own rollback: the failed one carries it.
 *
 * The deployer reads it only at verdict points (never per poll): to confirm ECS's rollback and
 * name its target, to give ECS's reason for a failure, and to refuse to call a rollback
 * restored when ECS says ROLLBACK_FAILED. Where the API is denied or missing (an older region,
 * an emulator) the DescribeServices verdict stands, with a warning.
 */
export type ServiceDeploymentsApi = Pick<EcsApi, "listServiceDeployments" | "describeServiceDeployments">;

/** What a service deployment says, as the report and `status` show it. */
export interface ServiceDeploymentView {
  arn: string;
  status: string;
  statusReason?: string;
  createdAt?: string;
  finishedAt?: string;
  /** The service revision being deployed. */
  targetRevision?: string;
  /** The service revisions that ran when it started. */
  sourceRevisions: string[];
  circuitBreaker?: { status: string; failureCount: number; threshold: number };
  rollback?: {
    reason?: string;
    startedAt?: string;
    /** The service revision ECS rolled back to. */
    toRevision?: string;
    /** That revision is one of those that ran before: ECS went back to where the service was. */
    toRevisionRanBefore: boolean;
  };
}

/** Statuses in which ECS is rolling back; ROLLBACK_SUCCESSFUL and ROLLBACK_FAILED end one. */
export const ROLLING_BACK = new Set(["ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"]);
/** Statuses that say the rollout did not stand, whatever DescribeServices showed last. */
export const NOT_DONE = new Set([
  "STOPPED",
  "STOP_REQUESTED",
  ...ROLLING_BACK,
  "ROLLBACK_SUCCESSFUL",
  "ROLLBACK_FAILED",
]);

/** The service deployments of one verb: which it started, what ECS said of them, and whether ECS would say. */
export interface ServiceDeploymentTrail {
  /** In order; `arn` missing when ECS named none yet (found later by creation time). */
  started: { arn?: string; since: number }[];
  views: Map<string, ServiceDeploymentView>;
  /** The last one read. */
  latest?: ServiceDeploymentView;
  /** Why the API could not be read (said once in the report); undefined while it answers. */
  unavailable?: string;
  /** Warnings for the report: where ECS's record and DescribeServices disagree. */
  notes: string[];
}

export function newTrail(): ServiceDeploymentTrail {
  return { started: [], views: new Map(), notes: [] };
}

export function toView(sd: ServiceDeployment): ServiceDeploymentView {
  const sources = (sd.sourceServiceRevisions ?? []).map((s) => s.arn ?? "").filter(Boolean);
  const cb = sd.deploymentCircuitBreaker;
  const rb = sd.rollback;
  const iso = (d: Date | undefined) => (d ? d.toISOString() : undefined);
  const view: ServiceDeploymentView = {
    arn: sd.serviceDeploymentArn ?? "",
    status: sd.status ?? "UNKNOWN",
    sourceRevisions: sources,
  };
  if (sd.statusReason) view.statusReason = sd.statusReason;
  if (sd.createdAt) view.createdAt = iso(sd.createdAt)!;
  if (sd.finishedAt ?? sd.stoppedAt) view.finishedAt = iso(sd.finishedAt ?? sd.stoppedAt)!;
  if (sd.targetServiceRevision?.arn) view.targetRevision = sd.targetServiceRevision.arn;
  if (cb)
    view.circuitBreaker = { status: cb.status ?? "", failureCount: cb.failureCount ?? 0, threshold: cb.threshold ?? 0 };
  if (rb) {
    view.rollback = {
      toRevisionRanBefore: rb.serviceRevisionArn !== undefined && sources.includes(rb.serviceRevisionArn),
      ...(rb.reason ? { reason: rb.reason } : {}),
      ...(rb.startedAt ? { startedAt: rb.startedAt.toISOString() } : {}),
      ...(rb.serviceRevisionArn ? { toRevision: rb.serviceRevisionArn } : {}),
    };
  }
  return view;
}

export interface ReadOptions {
  cluster: string;
  service: string;
  /** The ARN ECS named (UpdateService's currentServiceDeployment), if it did. */
  arn?: string;
  /** When the rollout was requested: without an ARN, the newest service deployment created since. */
  since: number;
}

/**
 * The service deployment of one rollout, described. Throws Interrupted; any other error means
 * the API is unavailable to us (denied, unknown operation, an emulator without it) and is
 * returned as `unavailable`, never thrown: the caller keeps the DescribeServices verdict.
 */
export async function readServiceDeployment(
  api: ServiceDeploymentsApi,
  o: ReadOptions,
): Promise<{ view?: ServiceDeploymentView; unavailable?: string }> {
  try {
    let arn = o.arn;
    if (!arn) {
      const listed = await api.listServiceDeployments({
        cluster: o.cluster,
        service: o.service,
        // A second of slack for clocks: the deployer's lock keeps other rollouts out meanwhile.
        createdAt: { after: new Date(o.since - 1000) },
        maxResults: 5,
      });
      arn = listed.serviceDeployments?.[0]?.serviceDeploymentArn;
      if (!arn) return {};
    }
    const out = await api.describeServiceDeployments({ serviceDeploymentArns: [arn] });
    const sd = out.serviceDeployments?.[0];
    return sd ? { view: toView(sd) } : {};
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    return { unavailable: short(err) };
  }
}

/**
 * Reads until ECS's rollback has an outcome (ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED), for at
 * most `waitMs`: DescribeServices can show the rollback deployment steady a moment before the
 * service deployment records it.
 */
export async function awaitRollbackOutcome(
  api: () => ServiceDeploymentsApi,
  o: ReadOptions & { waitMs: number; intervalMs: number; signal?: AbortSignal },
): Promise<{ view?: ServiceDeploymentView; unavailable?: string }> {
  const until = Date.now() + o.waitMs;
  for (;;) {
    const got = await readServiceDeployment(api(), o);
    if (!got.view || !ROLLING_BACK.has(got.view.status) || Date.now() >= until) return got;
    await abortableSleep(Math.min(o.intervalMs, until - Date.now()), o.signal);
  }
}

const id = (arn: string | undefined): string => (arn ? (arn.split("/").pop() ?? arn) : "?");

/** One line of what ECS says, e.g. "ROLLBACK_SUCCESSFUL: <reason>; circuit breaker TRIGGERED 3/3; rolled back to revision 123 (the one that ran before)". */
export function describeView(v: ServiceDeploymentView): string {
  const parts = [`${id(v.arn)} ${v.status}${v.statusReason ? `: ${v.statusReason}` : ""}`];
  if (v.circuitBreaker && v.circuitBreaker.status !== "DISABLED") {
    parts.push(
      `circuit breaker ${v.circuitBreaker.status} ${v.circuitBreaker.failureCount}/${v.circuitBreaker.threshold} failed tasks`,
    );
  }
  if (v.rollback) {
    const where = v.rollback.toRevisionRanBefore ? " (the revision that ran before)" : "";
    const verb =
      v.status === "ROLLBACK_SUCCESSFUL"
        ? "rolled back to"
        : v.status === "ROLLBACK_FAILED"
          ? "rollback FAILED to return to"
          : "rolling back to";
    parts.push(
      `${verb} service revision ${id(v.rollback.toRevision)}${where}${v.rollback.reason ? `: ${v.rollback.reason}` : ""}`,
    );
  }
  return parts.join("; ");
}

/** The service's last `count` service deployments, newest first, for `status`; empty with a reason when unreadable. */
export async function recentServiceDeployments(
  api: ServiceDeploymentsApi,
  cluster: string,
  service: string,
  count: number,
): Promise<{ views: ServiceDeploymentView[]; unavailable?: string }> {
  try {
    const listed = await api.listServiceDeployments({ cluster, service, maxResults: count });
    const arns = (listed.serviceDeployments ?? []).map((s) => s.serviceDeploymentArn ?? "").filter(Boolean);
    if (arns.length === 0) return { views: [] };
    const out = await api.describeServiceDeployments({ serviceDeploymentArns: arns });
    const byArn = new Map((out.serviceDeployments ?? []).map((sd) => [sd.serviceDeploymentArn ?? "", toView(sd)]));
    return { views: arns.flatMap((a) => byArn.get(a) ?? []) };
  } catch (err) {
    if (err instanceof Interrupted) throw err;
    return { views: [], unavailable: short(err) };
  }
}
