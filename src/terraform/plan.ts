import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";
import { describeBackend } from "./backend.js";
import { sha256, type Fingerprint } from "./fingerprint.js";
import { PLAN_FILES, partFile, type PlanMeta } from "./plan-dir.js";
import type { TerraformProgress } from "./progress.js";
import { renderSummary, summaryParts } from "./render.js";
import { countsLine, summarizePlan, type PlanSummary } from "./summary.js";
import { runTofu, tofuVersion } from "./tofu.js";
import { currentFingerprint, initBackend, openWorkspace, type Workspace } from "./workspace.js";

export interface PlanOptions {
  env: EnvironmentConfig;
  repoRoot: string;
  /** Directory to write the plan into; emptied first. */
  outDir: string;
  /** Process environment: AWS credentials (src/aws), PATH, TOFU_BIN. */
  vars: NodeJS.ProcessEnv;
  /** How long to wait for the state lock. Default 60 s. */
  lockTimeoutSeconds?: number;
  /** Size limit of one summary part. Default: under GitHub's comment limit. */
  maxPartChars?: number;
  tofuBin?: string;
  onProgress?: (event: TerraformProgress) => void;
}

export interface PlanResult {
  outDir: string;
  meta: PlanMeta;
  summary: PlanSummary;
  fingerprint: Fingerprint;
  /** The summary parts, as written to summary-N.md. */
  parts: string[];
}

/**
 * Guard the account, init the environment's backend, fingerprint the inputs, save a plan,
 * and write it with its JSON, summary and fingerprint into `outDir`.
 */
export async function plan(options: PlanOptions): Promise<PlanResult> {
  const { env, onProgress } = options;
  const outDir = path.resolve(options.outDir);
  await checkOutDir(outDir, path.resolve(options.repoRoot, env.terraform.root));
  const ws = await openWorkspace({ ...options, purpose: "plan" });
  await initBackend(ws, onProgress);
  const fingerprint = await currentFingerprint(ws, [outDir]);
  onProgress?.({ kind: "step", message: `state serial ${fingerprint.state.serial ?? "none (empty state)"}` });

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const planFile = path.join(outDir, PLAN_FILES.plan);
  onProgress?.({ kind: "step", message: `tofu plan with ${env.terraform.varFile}` });
  await runTofu(
    ws.tofu,
    [
      "plan",
      "-input=false",
      "-no-color",
      `-lock-timeout=${options.lockTimeoutSeconds ?? 60}s`,
      `-var-file=${ws.varFile}`,
      `-out=${planFile}`,
    ],
    { act: `plan ${env.name}` },
  );
  const shown = await runTofu(ws.tofu, ["show", "-json", "-no-color", planFile], { act: "read the saved plan" });
  const summary = summarizePlan(parseJson(shown.stdout));
  const render = { env: env.name, account: env.aws.accountId, fingerprint: fingerprint.digest };
  const parts = summaryParts(summary, {
    ...render,
    ...(options.maxPartChars !== undefined ? { maxChars: options.maxPartChars } : {}),
  });
  const meta = await planMeta(ws, planFile, summary, fingerprint, parts);
  await writePlanDir(outDir, { json: shown.stdout, summary: renderSummary(summary, render), parts, fingerprint, meta });
  onProgress?.({ kind: "step", message: `plan for ${env.name}: ${countsLine(summary.counts)} (${parts.length} summary part(s))` });
  return { outDir, meta, summary, fingerprint, parts };
}

/** The output directory is emptied: refuse one that holds the repository or anything but a plan. */
async function checkOutDir(outDir: string, rootDir: string): Promise<void> {
  const inside = (child: string, parent: string) => !path.relative(parent, child).startsWith("..");
  let entries: string[];
  try {
    entries = await readdir(outDir);
  } catch {
    return;
  }
  if (inside(rootDir, outDir) || (entries.length > 0 && !entries.includes(PLAN_FILES.meta))) {
    throw userError(
      "terraform.bad-out-dir",
      `Failed to plan into ${outDir}: it is not empty and is not an earlier plan directory`,
      "Pass --out with a new directory (default .pipeline/plans/<env>); it is replaced on every plan.",
    );
  }
}

async function planMeta(
  ws: Workspace,
  planFile: string,
  summary: PlanSummary, fingerprint: Fingerprint, parts: string[]): Promise<PlanMeta> {
  const { env } = ws;
  return {
    format: 1,
    env: env.name,
    account: env.aws.accountId,
    region: env.aws.region,
    plannedBy: ws.session.identity.arn,
    createdAt: new Date().toISOString(),
    root: env.terraform.root,
    varFile: env.terraform.varFile,
    backend: describeBackend(env),
    tofuVersion: await tofuVersion(ws.tofu),
    planSha256: sha256(await readFile(planFile)),
    fingerprint: fingerprint.digest,
    hasChanges: summary.hasChanges,
    errored: summary.errored,
    counts: summary.counts,
    parts: parts.map((_, i) => partFile(i + 1)),
  };
}

interface PlanDirContents {
  json: string;
  summary: string;
  parts: string[];
  fingerprint: Fingerprint;
  meta: PlanMeta;
}

async function writePlanDir(outDir: string, c: PlanDirContents): Promise<void> {
  await writeFile(path.join(outDir, PLAN_FILES.json), c.json);
  await writeFile(path.join(outDir, PLAN_FILES.summary), c.summary);
  await Promise.all(c.parts.map((p, i) => writeFile(path.join(outDir, partFile(i + 1)), p)));
  await writeFile(path.join(outDir, PLAN_FILES.fingerprint), JSON.stringify(c.fingerprint, null, 2));
  await writeFile(path.join(outDir, PLAN_FILES.meta), JSON.stringify(c.meta, null, 2));
}

function parseJson(text: string): unknown {
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
