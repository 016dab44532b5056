import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { userError } from "../errors.js";
import { fingerprintSchema, type Fingerprint } from "./fingerprint.js";

/**
 * The plan directory `plan` writes and `apply` reads:
 *   plan.tfplan       the saved plan (binary), applied as is
 *   plan.json         `tofu show -json plan.tfplan`
 *   summary.md        the whole Markdown summary
 *   summary-1.md ...  the same, split into comment-sized parts
 *   fingerprint.json  every input's hash (see fingerprint.ts)
 *   meta.json         environment, account, who planned, counts, the plan file's sha256
 */
export const PLAN_FILES = {
  plan: "plan.tfplan",
  json: "plan.json",
  summary: "summary.md",
  fingerprint: "fingerprint.json",
  meta: "meta.json",
} as const;

export const partFile = (n: number): string => `summary-${n}.md`;

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

/** Reads and validates meta.json and fingerprint.json of a plan directory. */
export async function readPlanDir(dir: string): Promise<PlanDir> {
  const meta = await readJson(dir, PLAN_FILES.meta, planMetaSchema);
  const fingerprint = await readJson(dir, PLAN_FILES.fingerprint, fingerprintSchema);
  return { dir, meta, fingerprint };
}

/** The summary parts of a plan directory, in order: what a pull-request comment posts. */
export async function readSummaryParts(dir: string): Promise<string[]> {
  const { meta } = await readPlanDir(dir);
  return Promise.all(meta.parts.map((p) => readFile(path.join(dir, p), "utf8")));
}

async function readJson<T>(dir: string, name: string, schema: z.ZodType<T>): Promise<T> {
  const file = path.join(dir, name);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw userError(
      "terraform.bad-plan-dir",
      `Failed to read the plan directory ${dir}: ${name}: ${(err as Error).message}`,
      "Pass the directory `plan` wrote (it holds plan.tfplan, meta.json and fingerprint.json).",
    );
  }
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
