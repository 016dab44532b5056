import type { HealthResult } from "./health.js";

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
  diff: string;
  forcedNewDeployment: boolean;
  failure?: { stage: "rollout" | "timeout" | "health"; reason: string; stoppedTasks: string[] };
  restore?: { to: string; by: "ecs-circuit-breaker" | "deployer"; ok: boolean; reason?: string };
  health?: HealthResult;
  deregistered: string[];
  durationMs: number;
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
  forcedNewDeployment?: boolean;
}

/** The result as it stands before anything changed (what a dry run returns). */
export function startResult(s: ResultStart, started: number): DeployResult {
  return {
    ...s,
    status: "dry-run",
    running: s.from,
    forcedNewDeployment: s.forcedNewDeployment ?? false,
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

export function renderReport(r: DeployResult): string {
  const headline = {
    succeeded: r.verb === "deploy" ? "deployed" : "rolled back",
    "dry-run": "dry run, nothing changed",
    "failed-restored": `FAILED; service restored to ${short(r.restore?.to ?? r.from)}`,
    "failed-not-restored": "FAILED and NOT restored: the service may be on a bad revision",
  }[r.status];
  const lines = [
    `${r.verb} ${r.service} to ${r.environment}: ${headline}`,
    `  service       ${r.ecsService} (cluster ${r.cluster}, account ${r.account})`,
    `  was running   ${short(r.from)}`,
    `  ${r.verb === "deploy" ? "deployed    " : "target      "}  ${r.to ? short(r.to) : "(a new revision, not registered)"}${r.image ? `  image ${r.image}` : ""}${r.forcedNewDeployment ? " (same image: forced a new deployment)" : ""}`,
  ];
  if (r.failure) {
    lines.push(`  failure       ${r.failure.stage}: ${r.failure.reason}`);
    for (const t of r.failure.stoppedTasks.slice(0, 5)) lines.push(`                stopped task ${t}`);
  }
  if (r.restore) {
    const by = r.restore.by === "ecs-circuit-breaker" ? "ECS circuit breaker rolled back" : "the deployer rolled back";
    lines.push(
      `  returned to   ${short(r.restore.to)} (${by}; ${r.restore.ok ? "stable" : `NOT stable: ${r.restore.reason ?? "unknown"}`})`,
    );
  }
  if (r.health?.checked) lines.push(`  health        ${r.health.ok ? "ok" : "FAILED"}: ${r.health.details.join("; ")}`);
  if (r.deregistered.length > 0) lines.push(`  deregistered  ${r.deregistered.map(short).join(", ")}`);
  lines.push(`  now running   ${short(r.running)}`, `  took          ${(r.durationMs / 1000).toFixed(1)}s`);
  if (r.diff && r.status === "dry-run") lines.push("", r.diff);
  return lines.join("\n");
}
