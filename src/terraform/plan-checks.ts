import { readFile } from "node:fs/promises";
import path from "node:path";
import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { sha256, type Fingerprint } from "./fingerprint.js";
import { PLAN_FILES, type PlanMeta } from "./plan-dir.js";
import type { PlanFileFacts } from "./plan-file.js";
import type { PlanSummary } from "./summary.js";

/**
 * The checks apply makes on a plan directory before applying it. Nothing in the directory
 * is trusted because it says so: what can be recomputed from the plan file itself (its
 * hash, its backend, its prior state, its changes and variables) is recomputed and compared
 * with meta.json, fingerprint.json and the environment. Every check runs before any change.
 */

const HINT = "Use the plan directory exactly as `plan` wrote it for this environment, or plan again.";

function tampered(dir: string, why: string) {
  return userError("terraform.plan-tampered", `Failed to apply the plan in ${dir}: ${why}`, HINT);
}

/** The saved plan's bytes, checked against meta.json's hash. */
export async function readPlanBytes(planDir: string, meta: PlanMeta): Promise<Buffer> {
  const file = path.join(planDir, PLAN_FILES.plan);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to apply the plan in ${planDir}: ${PLAN_FILES.plan} ${code === "ENOENT" ? "is missing" : `cannot be read (${code ?? (err as Error).message})`}`,
      "Pass the whole directory `plan` wrote (CI artifacts must keep plan.tfplan), or plan again.",
    );
  }
  if (sha256(bytes) !== meta.planSha256) {
    throw tampered(planDir, `${PLAN_FILES.plan} is not the file that was planned (sha256 differs from meta.json)`);
  }
  return bytes;
}

export function checkPlanTarget(meta: PlanMeta, env: EnvironmentConfig): void {
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
  if (meta.errored) {
    throw userError(
      "terraform.plan-errored",
      `Failed to apply the plan for ${env.name}: the plan errored and is incomplete`,
      "Fix the errors and plan again.",
    );
  }
}

export function checkApproval(env: EnvironmentConfig, confirm: string | undefined): void {
  if (!env.approval.required || confirm === env.name) return;
  throw userError(
    "terraform.approval-required",
    confirm
      ? `Failed to apply to ${env.name}: the confirmation "${confirm}" does not name this environment`
      : `Failed to apply to ${env.name}: this environment requires an explicit confirmation`,
    `Review the plan summary, then pass --confirm ${env.name}.`,
  );
}

/**
 * The plan file's own backend is the environment's, and its prior state is the one the
 * fingerprint recorded (a fingerprint from another plan, or a plan file from another
 * environment, differs here even when every hash in meta.json was rewritten to match).
 */
export function checkPlanFileFacts(
  planDir: string,
  facts: PlanFileFacts,
  fingerprint: Fingerprint,
  env: EnvironmentConfig,
): void {
  const want = env.terraform.backend;
  const got = facts.backend.config;
  const wrong = (["bucket", "key", "region"] as const).filter((k) => got[k] !== want[k]);
  if (facts.backend.type !== "s3" || wrong.length > 0) {
    const shown = `${facts.backend.type} ${wrong.map((k) => `${k}=${String(got[k])}`).join(", ")}`.trim();
    throw tampered(
      planDir,
      `${PLAN_FILES.plan} was planned against another backend (${shown}), not ${env.name}'s s3://${want.bucket}/${want.key} in ${want.region}`,
    );
  }
  const planned = fingerprint.state;
  if (facts.state.lineage !== planned.lineage || facts.state.serial !== planned.serial) {
    throw tampered(
      planDir,
      `${PLAN_FILES.plan} was planned against state serial ${facts.state.serial ?? "none"} (lineage ${facts.state.lineage ?? "none"}), but ${PLAN_FILES.fingerprint} records serial ${planned.serial ?? "none"} (lineage ${planned.lineage ?? "none"})`,
    );
  }
}

/** What `tofu show -json` of the plan file says agrees with meta.json and with the environment's identity. */
export function checkPlanContents(
  planDir: string,
  meta: PlanMeta,
  summary: PlanSummary,
  variables: Record<string, unknown>,
  env: EnvironmentConfig,
): void {
  const recorded = JSON.stringify({ counts: meta.counts, hasChanges: meta.hasChanges, errored: meta.errored });
  const actual = JSON.stringify({ counts: summary.counts, hasChanges: summary.hasChanges, errored: summary.errored });
  if (recorded !== actual) {
    throw tampered(planDir, `${PLAN_FILES.meta} says ${recorded}, but ${PLAN_FILES.plan} holds ${actual}`);
  }
  const expected: Record<string, unknown> = {
    environment: env.name,
    account_id: env.aws.accountId,
    region: env.aws.region,
    aws_endpoint: env.aws.endpoint ?? null,
  };
  for (const [name, want] of Object.entries(expected)) {
    if (!(name in variables)) continue;
    const got = variables[name] === "" ? null : variables[name];
    if (got === null && name === "account_id") continue; // optional in roots that do not use it
    if (got !== want) {
      throw tampered(
        planDir,
        `${PLAN_FILES.plan} was planned with ${name} = ${JSON.stringify(got)}, but ${env.name} has ${JSON.stringify(want)}`,
      );
    }
  }
}
