import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { decodeUtf8, parseStrictJson } from "../config/json-text.js";
import { userError } from "../errors.js";
import { fingerprintDigest, fingerprintSchema, sha256, type Fingerprint } from "./fingerprint.js";

/**
 * The plan directory `plan` writes and `apply` reads:
 *   plan.tfplan       the saved plan (binary), applied as is
 *   plan.json         `tofu show -json plan.tfplan`
 *   summary.md        the whole Markdown summary
 *   summary-1.md ...  the same, split into comment-sized parts
 *   fingerprint.json  every input's hash (see fingerprint.ts)
 *   meta.json         environment, account, who planned, counts, the sha256 of plan.tfplan
 *                     and of fingerprint.json
 */
export const PLAN_FILES = {
  plan: "plan.tfplan",
  json: "plan.json",
  summary: "summary.md",
  fingerprint: "fingerprint.json",
  meta: "meta.json",
  /** The pipeline's inputs to the platform root (images by digest, runtime platforms), when it has any. */
  platformInputs: "platform.tfvars.json",
} as const;

export const partFile = (n: number): string => `summary-${n}.md`;

/** Whether a file name is one a plan directory holds: only these may be replaced by a new plan. */
export function isPlanDirFile(name: string): boolean {
  return (Object.values(PLAN_FILES) as string[]).includes(name) || /^summary-\d+\.md$/.test(name);
}

const countsSchema = z.object({
  add: z.number(),
  change: z.number(),
  destroy: z.number(),
  replace: z.number(),
  import: z.number(),
  move: z.number(),
  forget: z.number(),
});

export const planMetaSchema = z.object({
  format: z.literal(1),
  env: z.string(),
  account: z.string(),
  region: z.string(),
  plannedBy: z.string(),
  createdAt: z.string(),
  root: z.string(),
  varFile: z.string(),
  backend: z.string(),
  tofuVersion: z.string(),
  planSha256: z.string().regex(/^[0-9a-f]{64}$/),
  fingerprint: z.string(),
  /** sha256 of fingerprint.json as written: binds the fingerprint to this metadata (apply requires it). */
  fingerprintSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  hasChanges: z.boolean(),
  errored: z.boolean(),
  counts: countsSchema,
  parts: z.array(z.string()),
});
export type PlanMeta = z.infer<typeof planMetaSchema>;

export interface PlanDir {
  dir: string;
  meta: PlanMeta;
  fingerprint: Fingerprint;
}

/**
 * Reads and validates meta.json and fingerprint.json of a plan directory: what pr-comment
 * and detect-drift read. apply reads it with readBoundPlanDir.
 */
export async function readPlanDir(dir: string): Promise<PlanDir> {
  await checkIsDir(dir);
  const meta = await readJson(dir, PLAN_FILES.meta, planMetaSchema);
  const fingerprint = await readJson(dir, PLAN_FILES.fingerprint, fingerprintSchema);
  return { dir, meta, fingerprint };
}

/**
 * readPlanDir, and the check that the files belong together: fingerprint.json is the file
 * meta.json names by hash, and its digest is the one its inputs give (an edited digest or a
 * fingerprint swapped in from another plan is refused here).
 */
export async function readBoundPlanDir(dir: string): Promise<PlanDir> {
  const { meta } = await readPlanDir(dir);
  const fingerprintText = await readText(dir, PLAN_FILES.fingerprint);
  const fingerprint = parseJson(dir, PLAN_FILES.fingerprint, fingerprintText, fingerprintSchema);
  const problems: string[] = [];
  if (meta.fingerprintSha256 === undefined) {
    problems.push(`${PLAN_FILES.meta} names no fingerprint hash (written by an older version of \`plan\`)`);
  } else if (sha256(fingerprintText) !== meta.fingerprintSha256) {
    problems.push(`${PLAN_FILES.fingerprint} is not the file ${PLAN_FILES.meta} names (sha256 differs)`);
  }
  if (fingerprintDigest(fingerprint.inputs) !== fingerprint.digest) {
    problems.push(`${PLAN_FILES.fingerprint}: digest is not the digest of its inputs (edited)`);
  }
  if (meta.fingerprint !== fingerprint.digest) {
    problems.push(`${PLAN_FILES.meta}: fingerprint ${meta.fingerprint} is not ${PLAN_FILES.fingerprint}'s digest`);
  }
  if (problems.length > 0) {
    throw userError(
      "terraform.plan-tampered",
      `Failed to read the plan directory ${dir}: its files do not belong together:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      "Use the plan directory exactly as `plan` wrote it, or plan again.",
    );
  }
  return { dir, meta, fingerprint };
}

async function checkIsDir(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: it does not exist`,
      "Pass the directory `plan` wrote (default .pipeline/plans/<env>), or run plan first.",
    );
  }
  if (!isDir) {
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: it is a file, not a directory`,
      "Pass the directory `plan` wrote (it holds plan.tfplan, meta.json and fingerprint.json).",
    );
  }
}

/** The summary parts of a plan directory, in order: what a pull-request comment posts. */
export async function readSummaryParts(dir: string): Promise<string[]> {
  const { meta } = await readPlanDir(dir);
  const bad = meta.parts.find((p) => !/^summary-\d+\.md$/.test(p));
  if (bad !== undefined) {
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: ${PLAN_FILES.meta} names part "${bad}", expected summary-N.md`,
      "Use the plan directory exactly as `plan` wrote it, or plan again.",
    );
  }
  return Promise.all(meta.parts.map((p) => readText(dir, p)));
}

async function readJson<T>(dir: string, name: string, schema: z.ZodType<T>): Promise<T> {
  return parseJson(dir, name, await readText(dir, name), schema);
}

async function readText(dir: string, name: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, name));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: ${name} ${code === "ENOENT" ? "is missing" : code === "EISDIR" ? "is a directory" : `cannot be read (${(err as Error).message})`}`,
      "Pass the directory `plan` wrote (it holds plan.tfplan, meta.json and fingerprint.json), or plan again.",
    );
  }
  return decodeUtf8(bytes, `${name} in the plan directory ${dir}`, "terraform.bad-plan-dir");
}

function parseJson<T>(dir: string, name: string, text: string, schema: z.ZodType<T>): T {
  const json = parseStrictJson(text);
  if ("problem" in json) {
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: ${name} is ${json.problem.message}`,
      "Use the plan directory exactly as `plan` wrote it, or plan again.",
    );
  }
  const raw = json.value;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: ${name}: ${issue?.path.join(".") || "(top level)"}: ${issue?.message ?? "invalid"}`,
      "The directory was not written by this version of `plan`; plan again.",
    );
  }
  return parsed.data;
}
