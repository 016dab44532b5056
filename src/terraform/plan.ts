import { lstat, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";
import { describeBackend } from "./backend.js";
import { sha256, type Fingerprint } from "./fingerprint.js";
import { PLAN_FILES, isPlanDirFile, partFile, type PlanMeta } from "./plan-dir.js";
import type { TerraformProgress } from "./progress.js";
import { renderSummary, summaryParts } from "./render.js";
import { countsLine, summarizePlan, type PlanSummary } from "./summary.js";
import { platformInputs, type PublishedRef } from "./platform-inputs.js";
import { runTofu, tofuVersion } from "./tofu.js";
import { currentFingerprint, initBackend, openWorkspace, type Workspace } from "./workspace.js";

export interface PlanOptions {
  env: EnvironmentConfig;
  repoRoot: string;
  /**
   * Directory to write the plan into: absent, empty, or an earlier plan directory (whose own
   * files are replaced). Anything else is refused: a plan never deletes a user's files.
   */
  outDir: string;
  /** Process environment: AWS credentials (src/aws), PATH, TOFU_BIN. */
  vars: NodeJS.ProcessEnv;
  /** How long to wait for the state lock. Default 60 s. */
  lockTimeoutSeconds?: number;
  /** Size limit of one summary part. Default: under GitHub's comment limit. */
  maxPartChars?: number;
  tofuBin?: string;
  /** What publish pushed (push-images --json): the first apply's images. */
  published?: PublishedRef[];
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
  const previous = await checkOutDir(outDir, path.resolve(options.repoRoot), path.resolve(options.repoRoot, env.terraform.root));
  await using ws = await openWorkspace({ ...options, purpose: "plan" });
  await initBackend(ws, onProgress);
  const fingerprint = await currentFingerprint(ws, [outDir]);
  onProgress?.({ kind: "step", message: `state serial ${fingerprint.state.serial ?? "none (empty state)"}` });

  for (const name of previous) await rm(path.join(outDir, name), { force: true });
  await mkdir(outDir, { recursive: true });
  const planFile = path.join(outDir, PLAN_FILES.plan);
  const inputsFile = await writePlatformInputs(ws, outDir, options.published ?? [], onProgress);
  onProgress?.({ kind: "step", message: `tofu plan with ${env.terraform.varFile}` });
  await runTofu(
    ws.tofu,
    [
      "plan",
      "-input=false",
      "-no-color",
      `-lock-timeout=${options.lockTimeoutSeconds ?? 60}s`,
      `-var-file=${ws.varFile}`,
      ...(inputsFile ? [`-var-file=${inputsFile}`] : []),
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

/**
 * Writes the images and runtime platforms the pipeline gives the platform root (see
 * platform-inputs.ts) next to the plan, where a reviewer sees what was planned with.
 */
async function writePlatformInputs(
  ws: Workspace,
  outDir: string,
  published: PublishedRef[],
  onProgress: PlanOptions["onProgress"],
): Promise<string | undefined> {
  const inputs = await platformInputs(ws.env, ws.session.config, published);
  if (!inputs) return undefined;
  const file = path.join(outDir, PLAN_FILES.platformInputs);
  await writeFile(file, JSON.stringify(inputs, null, 2));
  for (const [service, image] of Object.entries(inputs.images)) {
    onProgress?.({ kind: "step", message: `image of ${service}: ${image}` });
  }
  return file;
}

/**
 * What may be replaced in the output directory: nothing (absent or empty), or exactly an
 * earlier plan directory's own files. A file, a directory holding anything else (even
 * beside a meta.json), the repository or the Terraform root is refused before any work.
 */
async function checkOutDir(outDir: string, repoRoot: string, rootDir: string): Promise<string[]> {
  const inside = (child: string, parent: string) => {
    const rel = path.relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
  };
  const refuse = (why: string) =>
    userError(
      "terraform.bad-out-dir",
      `Failed to plan into ${outDir}: ${why}`,
      "Pass --out with a new or empty directory (default .pipeline/plans/<env>); only a plan directory's own files are ever replaced.",
    );
  if (inside(repoRoot, outDir) || inside(rootDir, outDir)) {
    throw refuse("it holds the repository or the Terraform root, whose files a plan would replace");
  }
  let info;
  try {
    info = await lstat(outDir);
  } catch {
    return [];
  }
  if (!info.isDirectory()) throw refuse(`it exists and is ${info.isSymbolicLink() ? "a symbolic link" : "a file"}, not a directory`);
  const entries = await readdir(outDir, { withFileTypes: true });
  const foreign = entries.filter((e) => !e.isFile() || !isPlanDirFile(e.name)).map((e) => e.name);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(", ") + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : "");
    throw refuse(`it holds files that are not a plan's (${shown}); they would be lost`);
  }
  return entries.map((e) => e.name);
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
    fingerprintSha256: sha256(fingerprintText(fingerprint)),
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

/** fingerprint.json's text: meta.json binds it by this text's sha256. */
function fingerprintText(fingerprint: Fingerprint): string {
  return JSON.stringify(fingerprint, null, 2);
}

async function writePlanDir(outDir: string, c: PlanDirContents): Promise<void> {
  await writeFile(path.join(outDir, PLAN_FILES.json), c.json);
  await writeFile(path.join(outDir, PLAN_FILES.summary), c.summary);
  await Promise.all(c.parts.map((p, i) => writeFile(path.join(outDir, partFile(i + 1)), p)));
  await writeFile(path.join(outDir, PLAN_FILES.fingerprint), fingerprintText(c.fingerprint));
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
