import { readFile } from "node:fs/promises";
import path from "node:path";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";
import { compareFingerprints, sha256 } from "./fingerprint.js";
import { PLAN_FILES, readPlanDir, type PlanMeta } from "./plan-dir.js";
import type { TerraformProgress } from "./progress.js";
import { countsLine } from "./summary.js";
import { parseApplyStream, type AppliedChange, type ApplyOutcome } from "./apply-stream.js";
import { runTofu, tofuFailure } from "./tofu.js";
import { currentFingerprint, initBackend, openWorkspace, type Workspace } from "./workspace.js";

export interface ApplyOptions {
  env: EnvironmentConfig;
  repoRoot: string;
  /** The directory `plan` wrote. */
  planDir: string;
  vars: NodeJS.ProcessEnv;
  /** Where the environment requires approval: must equal the environment's name. */
  confirm?: string;
  /** Run every check (approval, account, fingerprint), then stop before applying. */
  dryRun?: boolean;
  /** How long to wait for the state lock. Default 60 s. */
  lockTimeoutSeconds?: number;
  tofuBin?: string;
  onProgress?: (event: TerraformProgress) => void;
}

export interface ApplyResult {
  env: string;
  account: string;
  appliedBy: string;
  status: "applied" | "no-changes" | "dry-run";
  /** What the plan said it would do. */
  planned: PlanMeta["counts"];
  /** What tofu reports it did (absent on a dry run or with no changes). */
  applied?: { add: number; change: number; remove: number };
  changes: AppliedChange[];
}

/**
 * Applies exactly the saved plan in `planDir`, after refusing: a plan for another
 * environment or account, a missing confirmation where approval is required, a plan file
 * that is not the one planned, credentials in another account, and a stale plan (any input
 * or the state changed since). Every refusal happens before anything is changed.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const { env, onProgress } = options;
  const planDir = path.resolve(options.planDir);
  const { meta, fingerprint } = await readPlanDir(planDir);
  checkPlanTarget(meta, env);
  checkApproval(env, options.confirm);
  const planFile = path.join(planDir, PLAN_FILES.plan);
  await checkPlanFile(planFile, meta, env);

  const ws = await openWorkspace({ ...options, purpose: "apply" });
  await initBackend(ws, onProgress);
  const differences = compareFingerprints(fingerprint, await currentFingerprint(ws, [planDir]));
  if (differences.length > 0) {
    throw userError(
      "terraform.stale-plan",
      `Failed to apply the plan for ${env.name}: the plan is stale (made ${meta.createdAt}):\n${differences.map((d) => `  - ${d.detail}`).join("\n")}`,
      "Plan again and review the new plan; a stale plan is never applied.",
    );
  }
  const base = { env: env.name, account: env.aws.accountId, appliedBy: ws.session.identity.arn, planned: meta.counts };
  if (!meta.hasChanges) {
    onProgress?.({ kind: "step", message: "the plan has no changes; nothing to apply" });
    return { ...base, status: "no-changes", changes: [] };
  }
  if (options.dryRun) {
    onProgress?.({ kind: "step", message: `dry run: would apply ${countsLine(meta.counts)}` });
    return { ...base, status: "dry-run", changes: [] };
  }
  onProgress?.({ kind: "step", message: `tofu apply: ${countsLine(meta.counts)}` });
  const outcome = await applySavedPlan(ws, planFile, options);
  return { ...base, status: "applied", ...(outcome.summary ? { applied: outcome.summary } : {}), changes: outcome.changes };
}

/** `tofu apply -json <plan>`, streaming progress; a failure names what was applied before it. */
async function applySavedPlan(ws: Workspace, planFile: string, options: ApplyOptions): Promise<ApplyOutcome> {
  const name = options.env.name;
  const stream = parseApplyStream(options.onProgress);
  const run = await runTofu(
    ws.tofu,
    ["apply", "-input=false", "-no-color", "-json", `-lock-timeout=${options.lockTimeoutSeconds ?? 60}s`, planFile],
    { check: false, onLine: stream.line },
  );
  const outcome = stream.result();
  if (run.exitCode === 0) return outcome;
  const failure = tofuFailure(`apply the plan for ${name}`, { ...run, stderr: `${outcome.errors.join("\n")}\n${run.stderr}` });
  if (failure.code === "terraform.state-locked") throw failure;
  const partial = outcome.changes.map((c) => `${c.address} (${c.action})`).join(", ");
  throw new PipelineError(
    `Failed to apply the plan for ${name}: ${outcome.errors.join("; ") || `tofu exited with code ${run.exitCode}`}` +
      (partial ? `\nApplied before the failure: ${partial}` : ""),
    { code: "terraform.apply-failed", source: "tool", hint: "The state holds what was applied; plan again to see what is left." },
  );
}

async function checkPlanFile(planFile: string, meta: PlanMeta, env: EnvironmentConfig): Promise<void> {
  if (sha256(await readFile(planFile)) !== meta.planSha256) {
    throw userError(
      "terraform.plan-tampered",
      `Failed to apply the plan in ${path.dirname(planFile)}: ${PLAN_FILES.plan} is not the file that was planned (sha256 differs from meta.json)`,
      "Use the plan directory exactly as `plan` wrote it, or plan again.",
    );
  }
  if (meta.errored) {
    throw userError(
      "terraform.plan-errored",
      `Failed to apply the plan for ${env.name}: the plan errored and is incomplete`,
      "Fix the errors and plan again.",
    );
  }
}

function checkPlanTarget(meta: PlanMeta, env: EnvironmentConfig): void {
  if (meta.env !== env.name) {
    throw userError(
      "terraform.plan-wrong-env",
      `Failed to apply: the plan was made for environment ${meta.env}, not ${env.name}`,
      `Apply it with --env ${meta.env}, or plan ${env.name}.`,
    );
  }
  if (meta.account !== env.aws.accountId) {
    throw userError(
      "terraform.plan-wrong-account",
      `Failed to apply: the plan was made for account ${meta.account}, but ${env.name} is account ${env.aws.accountId}`,
      `environments/${env.name}.json changed account since the plan; plan again.`,
    );
  }
}

function checkApproval(env: EnvironmentConfig, confirm: string | undefined): void {
  if (!env.approval.required || confirm === env.name) return;
  throw userError(
    "terraform.approval-required",
    confirm
      ? `Failed to apply to ${env.name}: the confirmation "${confirm}" does not name this environment`
      : `Failed to apply to ${env.name}: this environment requires an explicit confirmation`,
    `Review the plan summary, then pass --confirm ${env.name}.`,
  );
}
