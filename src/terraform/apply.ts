import path from "node:path";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";
import { compareFingerprints } from "./fingerprint.js";
import { checkApproval, checkPlanContents, checkPlanFileFacts, checkPlanTarget, readPlanBytes } from "./plan-checks.js";
import { PLAN_FILES, readBoundPlanDir, type PlanMeta } from "./plan-dir.js";
import { readPlanFile } from "./plan-file.js";
import type { TerraformProgress } from "./progress.js";
import { countsLine, summarizePlan } from "./summary.js";
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
 * environment or account, a missing confirmation where approval is required, a plan
 * directory whose files do not belong together (plan file, fingerprint and metadata are
 * bound by hashes, and what the plan file itself says is recomputed: its backend, prior
 * state, changes and identity variables), credentials in another account, and a stale plan
 * (any input or the state's content changed since). Every refusal happens before anything
 * is changed.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const { env, onProgress } = options;
  const planDir = path.resolve(options.planDir);
  const { meta, fingerprint } = await readBoundPlanDir(planDir);
  checkPlanTarget(meta, env);
  checkApproval(env, options.confirm);
  const planFile = path.join(planDir, PLAN_FILES.plan);
  const facts = readPlanFile(await readPlanBytes(planDir, meta), planFile);
  checkPlanFileFacts(planDir, facts, fingerprint, env);

  await using ws = await openWorkspace({ ...options, purpose: "apply" });
  await initBackend(ws, onProgress);
  const shown = await runTofu(ws.tofu, ["show", "-json", "-no-color", planFile], { act: "read the saved plan" });
  const planJson = parseShown(shown.stdout);
  checkPlanContents(planDir, meta, summarizePlan(planJson), variableValues(planJson), env);
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
  if (/Saved plan is stale/i.test(`${run.stderr}\n${outcome.errors.join("\n")}`) && outcome.changes.length === 0) {
    // tofu compares the plan's prior state with the state it finds after taking the lock:
    // another apply finished first. Nothing was applied.
    throw userError(
      "terraform.stale-plan",
      `Failed to apply the plan for ${name}: the state changed while this apply waited for the lock (another apply finished first); nothing was applied`,
      "Plan again, review the new plan and apply that.",
    );
  }
  const partial = outcome.changes.map((c) => `${c.address} (${c.action})`).join(", ");
  throw new PipelineError(
    `Failed to apply the plan for ${name}: ${outcome.errors.join("; ") || `tofu exited with code ${run.exitCode}`}` +
      (partial ? `\nApplied before the failure: ${partial}` : ""),
    { code: "terraform.apply-failed", source: "tool", hint: "The state holds what was applied; plan again to see what is left." },
  );
}

function parseShown(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PipelineError(`Failed to read the saved plan as JSON: ${(err as Error).message}`, {
      code: "terraform.bad-plan-json",
      source: "tool",
      hint: "Something printed to stdout alongside `tofu show -json` (a CLI configuration warning?).",
    });
  }
}

/** The plan's input variables as name → value (`variables` of `tofu show -json`). */
function variableValues(planJson: unknown): Record<string, unknown> {
  const vars = (planJson as { variables?: Record<string, { value?: unknown }> }).variables ?? {};
  return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v?.value ?? null]));
}
