import { z } from "zod";

/**
 * The run record: what one composite run (check, pullRequest, deploy, detectDrift) did, as
 * data. The module collects each step's raw outputs into a results directory, the core
 * turns them into this record (collect.ts), and every summary a CI shows (GitHub's job
 * summary, the pull-request comment, GitLab's merge-request note, CodeBuild's log) is
 * rendered from it by one renderer (markdown.ts).
 */

export const stepSchema = z.object({
  name: z.string(),
  status: z.enum(["passed", "failed", "skipped"]),
  durationMs: z.number().nonnegative(),
  detail: z.string().optional(),
  error: z.string().optional(),
});
export type StepRecord = z.infer<typeof stepSchema>;

const percent = z.number().min(0).max(100);

export const testsSchema = z.object({
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** Coverage of src/ in percent, from the coverage summary; absent when coverage was not measured. */
  coverage: z.object({ lines: percent, branches: percent, functions: percent, statements: percent }).optional(),
});

export const terraformSchema = z.object({
  passed: z.boolean(),
  threshold: z.string(),
  /** Findings at or above the threshold. */
  blocking: z.number().int().nonnegative(),
  /** Every finding, per tool that ran. */
  findings: z.number().int().nonnegative(),
  toolsFailed: z.array(z.string()),
});

export const planSchema = z.object({
  env: z.string(),
  account: z.string(),
  hasChanges: z.boolean(),
  add: z.number().int().nonnegative(),
  change: z.number().int().nonnegative(),
  destroy: z.number().int().nonnegative(),
  replace: z.number().int().nonnegative(),
});

export const scanSchema = z.object({
  platform: z.string(),
  passed: z.boolean(),
  threshold: z.string(),
  imageId: z.string().optional(),
  blocking: z.number().int().nonnegative(),
  ignored: z.number().int().nonnegative(),
  below: z.number().int().nonnegative(),
});

export const imageSchema = z.object({
  service: z.string(),
  /** The pushed multi-platform image's digest; absent when nothing was pushed (dry run, failed earlier). */
  digest: z.string().optional(),
  references: z.array(z.string()),
  scans: z.array(scanSchema),
  /** Copied by digest from another environment (promote re-checked its scan attestations), not built here. */
  promoted: z.boolean().optional(),
});

export const deploySchema = z.object({
  service: z.string(),
  status: z.enum(["succeeded", "dry-run", "failed-restored", "failed-not-restored", "unchanged"]),
  /** Task-definition revision (family:revision) before, the one rolled out, and the one running at the end. */
  before: z.string(),
  deployed: z.string(),
  after: z.string(),
  image: z.string().optional(),
  failure: z.string().optional(),
  durationMs: z.number().nonnegative(),
});
export type DeployRecord = z.infer<typeof deploySchema>;

export const runRecordSchema = z
  .object({
    kind: z.literal("ecs-pipeline/run"),
    version: z.literal(1),
    /** What ran, e.g. "deploy dev". */
    pipeline: z.string(),
    /** The module function: check, pullRequest, deploy, detectDrift. */
    function: z.string(),
    env: z.string().optional(),
    commit: z.string().optional(),
    ok: z.boolean(),
    failedStep: z.string().optional(),
    durationMs: z.number().nonnegative(),
    steps: z.array(stepSchema),
    tests: testsSchema.optional(),
    terraform: terraformSchema.optional(),
    plan: planSchema.optional(),
    images: z.array(imageSchema).optional(),
    deploys: z.array(deploySchema).optional(),
  })
  .strict();

export type RunRecord = z.infer<typeof runRecordSchema>;
