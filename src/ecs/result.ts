import type { HealthResult } from "./health.js";
import { describeView, type ServiceDeploymentView } from "./service-deployments.js";
import type { PreflightCheck } from "./preflight.js";

export type DeployStatus = "succeeded" | "dry-run" | "failed-restored" | "failed-not-restored";

/** What a deploy or rollback did, for a person (renderReport) and for machines (JSON). */
export interface DeployResult {
  verb: "deploy" | "rollback";
  status: DeployStatus;
  environment: string;
  service: string;
  cluster: string;
  ecsService: string;
  account: string;
  /** Task definition the service ran when we started. */
  from: string;
  /** Task definition we rolled out (registered, or the rollback target); empty on a dry run that would register one. */
  to: string;
  /** Task definition the service runs when we finished. */
  running: string;
  image?: string;
  /** Revision the new one was rendered from (Terraform's latest, or the running one); deploy only. */
  renderedFrom?: string;
  diff: string;
  forcedNewDeployment: boolean;
  /** The checks made before any change (image, scan, roles), with bypasses. */
  preflight?: PreflightCheck[];
  failure?: Failure;
  restore?: Restore;
  /** What the verb changed in AWS, in order: registrations, UpdateService calls, history marks. */
  actions: string[];
  /** Things that went wrong without changing the outcome (a history mark not written). */
  warnings: string[];
  /** True when ECS did not answer at the end: `running` is the last revision seen, not a fresh look. */
  runningUnverified?: boolean;
  health?: HealthResult;
  /** What ECS's service deployments of this verb said (absent when the API could not be read). */
  serviceDeployments?: ServiceDeploymentView[];
  deregistered: string[];
  durationMs: number;
}

/**
 * Why a verb failed. `update`: ECS refused UpdateService, the service never changed;
 * `aws`: an AWS error that did not go away; `interrupted`: SIGINT/SIGTERM.
 */
export interface Failure {
  stage: "rollout" | "timeout" | "health" | "update" | "aws" | "interrupted";
  reason: string;
  stoppedTasks: string[];
}

export interface Restore {
  to: string;
  by: "ecs-circuit-breaker" | "deployer";
  /** Stable, running the old revision, and healthy where health is checked. */
  ok: boolean;
  /** Restored to the old revision, but its health check failed ("restored, unhealthy"). */
  unhealthy?: boolean;
  reason?: string;
  /** ECS's own word on its rollback (the service deployment's status), when it could be read. */
  ecsStatus?: string;
}

export interface ResultStart {
  verb: DeployResult["verb"];
  environment: string;
  service: string;
  cluster: string;
  ecsService: string;
  account: string;
  from: string;
  to: string;
  diff: string;
  image?: string;
  renderedFrom?: string;
  forcedNewDeployment?: boolean;
  preflight?: PreflightCheck[];
}

/** The result as it stands before anything changed (what a dry run returns). */
export function startResult(s: ResultStart, started: number): DeployResult {
  return {
    ...s,
    status: "dry-run",
    running: s.from,
    forcedNewDeployment: s.forcedNewDeployment ?? false,
    actions: [],
    warnings: [],
    deregistered: [],
    durationMs: Date.now() - started,
  };
}

/** Exit codes: 0 done (or dry run), 1 failed but the service is back on the old revision, 5 failed and NOT restored. */
export const DEPLOY_EXIT: Record<DeployStatus, number> = {
  succeeded: 0,
  "dry-run": 0,
  "failed-restored": 1,
  "failed-not-restored": 5,
};

const short = (arn: string): string => (arn ? (arn.split("/").pop() ?? arn) : "(none)");

function headline(r: DeployResult): string {
  switch (r.status) {
    case "succeeded":
      return r.verb === "deploy" ? "deployed" : "rolled back";
    case "dry-run":
      return "dry run, nothing changed";
    case "failed-restored":
      return r.failure?.stage === "update"
        ? `FAILED before the service changed; it still runs ${short(r.running)}`
        : `FAILED; service restored to ${short(r.restore?.to ?? r.from)}`;
    case "failed-not-restored":
      if (r.restore?.unhealthy) return `FAILED; restored to ${short(r.restore.to)}, unhealthy`;
      if (r.failure?.stage === "interrupted")
        return `INTERRUPTED; ${r.restore?.reason ?? "restore NOT started"}: the service may be on a bad revision`;
      return "FAILED and NOT restored: the service may be on a bad revision";
  }
}

function restoreLine(restore: Restore): string {
  const by = restore.by === "ecs-circuit-breaker" ? "ECS circuit breaker rolled back" : "the deployer rolled back";
  const state = restore.ok
    ? "stable"
    : restore.unhealthy
      ? `restored, unhealthy: ${restore.reason ?? "health check failed"}`
      : `NOT stable: ${restore.reason ?? "unknown"}`;
  const ecs = restore.ecsStatus ? `; ECS: ${restore.ecsStatus}` : "";
  return `  returned to   ${short(restore.to)} (${by}; ${state}${ecs})`;
}

/** What judged the rollout, by name (ALB targets, containers, URL), or why nothing did. */
function healthLine(h: HealthResult): string {
  if (!h.checked) return `  health        not checked: ${h.details.join("; ")}`;
  const what = h.what?.length ? ` (checked ${h.what.join(", ")})` : "";
  return `  health        ${h.ok ? "ok" : "FAILED"}${what}: ${h.details.join("; ")}`;
}

/** The report a person reads: what failed, what was done, where the service is now. */
export function renderReport(r: DeployResult): string {
  const lines = [
    `${r.verb} ${r.service} to ${r.environment}: ${headline(r)}`,
    `  service       ${r.ecsService} (cluster ${r.cluster}, account ${r.account})`,
    `  was running   ${short(r.from)}`,
    `  ${r.verb === "deploy" ? "deployed    " : "target      "}  ${r.to ? short(r.to) : "(a new revision, not registered)"}${r.image ? `  image ${r.image}` : ""}${r.forcedNewDeployment ? " (same image: forced a new deployment)" : ""}`,
  ];
  for (const [i, c] of (r.preflight ?? []).entries()) {
    const status = c.status === "passed" ? "ok" : c.status.toUpperCase();
    lines.push(`  ${i === 0 ? "pre-flight    " : "              "}${c.check} ${status}: ${c.detail}`);
  }
  if (r.failure) {
    lines.push(`  failure       ${r.failure.stage}: ${r.failure.reason}`);
    for (const t of r.failure.stoppedTasks.slice(0, 5)) lines.push(`                stopped task ${t}`);
  }
  if (r.restore) lines.push(restoreLine(r.restore));
  for (const v of r.serviceDeployments ?? []) lines.push(`  ecs says      ${describeView(v)}`);
  if (r.health) lines.push(healthLine(r.health));
  r.actions.forEach((a, i) => lines.push(`  ${i === 0 ? "done          " : "              "}${a}`));
  for (const w of r.warnings) lines.push(`  warning       ${w}`);
  if (r.deregistered.length > 0) lines.push(`  deregistered  ${r.deregistered.map(short).join(", ")}`);
  lines.push(
    r.runningUnverified
      ? `  now running   ${short(r.running)}? (last seen; ECS did not answer at the end)`
      : `  now running   ${short(r.running)}`,
    `  took          ${(r.durationMs / 1000).toFixed(1)}s`,
  );
  if (r.diff && r.status === "dry-run") lines.push("", r.diff);
  return lines.join("\n");
}
