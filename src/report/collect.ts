import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { userError } from "../errors.js";
import { runRecordSchema, stepSchema, type DeployRecord, type RunRecord } from "./record.js";

/**
 * A results directory, as the module's composite functions fill it with each step's raw
 * outputs (any of them may be missing: a step that did not run left nothing):
 *
 *   steps.json                       the step runner's result and what ran (module)
 *   test/test-results.json           vitest's JSON report; test/junit.xml, test/coverage/*
 *   terraform/findings.json          validateTerraform's result; terraform/terraform.sarif
 *   plan/meta.json                   the plan's meta (never plan.tfplan: it may hold secrets)
 *   scans/<service>/<platform>/report.json   the scan gate's verdict; report.sarif beside it
 *   publish.json                     what publish pushed (references with digests)
 *   deploys/<service>.json           deploy-service's JSON result
 */
export const RAW = {
  steps: "steps.json",
  tests: "test/test-results.json",
  coverage: "test/coverage/coverage-summary.json",
  terraform: "terraform/findings.json",
  plan: "plan/meta.json",
  scans: "scans",
  publish: "publish.json",
  deploys: "deploys",
} as const;

const stepsFileSchema = z.object({
  pipeline: z.string(),
  function: z.string(),
  env: z.string().optional(),
  commit: z.string().optional(),
  result: z.object({
    ok: z.boolean(),
    failedStep: z.string().optional(),
    durationMs: z.number(),
    steps: z.array(stepSchema),
  }),
});

const vitestSchema = z.object({ numPassedTests: z.number(), numFailedTests: z.number(), numPendingTests: z.number() });
const pct = z.object({ pct: z.union([z.number(), z.literal("Unknown")]) });
const coverageSchema = z.object({ total: z.object({ lines: pct, branches: pct, functions: pct, statements: pct }) });
const findingsSchema = z.object({
  passed: z.boolean(),
  threshold: z.string(),
  blocking: z.array(z.unknown()),
  tools: z.array(z.object({ tool: z.string(), status: z.string(), findings: z.array(z.unknown()).optional() }).loose()),
});
const planMetaSchema = z.object({
  env: z.string(),
  account: z.string(),
  hasChanges: z.boolean(),
  counts: z.object({ add: z.number(), change: z.number(), destroy: z.number(), replace: z.number() }),
});
const scanSchema = z.object({
  passed: z.boolean(),
  threshold: z.string(),
  imageId: z.string().optional(),
  blocking: z.array(z.unknown()),
  ignored: z.array(z.unknown()),
  below: z.array(z.unknown()),
});
// publish writes `images`; a promoted deploy's promote step writes `results` (one per service, by digest).
const publishSchema = z.object({
  images: z.array(z.object({ service: z.string(), references: z.array(z.string()) })).optional(),
  results: z.array(z.object({ service: z.string(), digest: z.string(), reference: z.string() })).optional(),
});
const deploySchema = z.object({
  service: z.string(),
  status: z.enum(["succeeded", "dry-run", "failed-restored", "failed-not-restored"]),
  from: z.string(),
  to: z.string(),
  running: z.string(),
  image: z.string().optional(),
  forcedNewDeployment: z.boolean(),
  failure: z.object({ stage: z.string(), reason: z.string() }).optional(),
  restore: z.object({ ok: z.boolean(), reason: z.string().optional() }).optional(),
  durationMs: z.number(),
});

/** Reads a results directory's raw outputs into the run record; fails naming the file that is malformed. */
export async function collectRecord(dir: string): Promise<RunRecord> {
  const steps = await readJson(dir, RAW.steps, stepsFileSchema);
  if (!steps) {
    throw userError(
      "report.no-steps",
      `Failed to read the results directory ${dir}: it has no ${RAW.steps}`,
      "Pass the directory a composite function (check, pullRequest, deploy, detectDrift) returned.",
    );
  }
  const { result } = steps;
  const record: RunRecord = {
    kind: "ecs-pipeline/run",
    version: 1,
    pipeline: steps.pipeline,
    function: steps.function,
    ...(steps.env ? { env: steps.env } : {}),
    ...(steps.commit ? { commit: steps.commit } : {}),
    ok: result.ok,
    ...(result.failedStep ? { failedStep: result.failedStep } : {}),
    durationMs: result.durationMs,
    steps: result.steps,
  };
  const tests = await readTests(dir);
  if (tests) record.tests = tests;
  const terraform = await readJson(dir, RAW.terraform, findingsSchema);
  if (terraform) {
    record.terraform = {
      passed: terraform.passed,
      threshold: terraform.threshold,
      blocking: terraform.blocking.length,
      findings: terraform.tools.reduce((n, t) => n + (t.findings?.length ?? 0), 0),
      toolsFailed: terraform.tools.filter((t) => t.status === "failed").map((t) => t.tool),
    };
  }
  const plan = await readJson(dir, RAW.plan, planMetaSchema);
  if (plan) {
    const { add, change, destroy, replace } = plan.counts;
    record.plan = { env: plan.env, account: plan.account, hasChanges: plan.hasChanges, add, change, destroy, replace };
  }
  const images = await readImages(dir);
  if (images.length > 0) record.images = images;
  const deploys = await readDeploys(dir);
  if (deploys.length > 0) record.deploys = deploys;
  return runRecordSchema.parse(record);
}

async function readTests(dir: string): Promise<RunRecord["tests"]> {
  const vitest = await readJson(dir, RAW.tests, vitestSchema);
  if (!vitest) return undefined;
  const summary = await readJson(dir, RAW.coverage, coverageSchema);
  const value = (p: z.infer<typeof pct>) => (p.pct === "Unknown" ? 0 : p.pct);
  const coverage = summary && {
    lines: value(summary.total.lines),
    branches: value(summary.total.branches),
    functions: value(summary.total.functions),
    statements: value(summary.total.statements),
  };
  return {
    passed: vitest.numPassedTests,
    failed: vitest.numFailedTests,
    skipped: vitest.numPendingTests,
    ...(coverage ? { coverage } : {}),
  };
}

/** Scan verdicts per service and platform, with the digest publish pushed (when it did). */
async function readImages(dir: string): Promise<NonNullable<RunRecord["images"]>> {
  const publish = await readJson(dir, RAW.publish, publishSchema);
  const promoted = new Set((publish?.results ?? []).map((r) => r.service));
  const published = [
    ...(publish?.images ?? []),
    ...(publish?.results ?? []).map((r) => ({ service: r.service, references: [r.reference] })),
  ];
  const services = new Set([...(await subdirs(path.join(dir, RAW.scans))), ...published.map((p) => p.service)]);
  const images = [];
  for (const service of [...services].sort()) {
    const scans = [];
    for (const platform of await subdirs(path.join(dir, RAW.scans, service))) {
      const scan = await readJson(dir, path.join(RAW.scans, service, platform, "report.json"), scanSchema);
      if (!scan) continue;
      scans.push({
        platform: platform.replace("-", "/"),
        passed: scan.passed,
        threshold: scan.threshold,
        ...(scan.imageId ? { imageId: scan.imageId } : {}),
        blocking: scan.blocking.length,
        ignored: scan.ignored.length,
        below: scan.below.length,
      });
    }
    const references = published.find((p) => p.service === service)?.references ?? [];
    const digest = references.map((r) => /@(sha256:[0-9a-f]{64})$/.exec(r)?.[1]).find(Boolean);
    images.push({
      service,
      ...(digest ? { digest } : {}),
      references,
      scans,
      ...(promoted.has(service) ? { promoted: true } : {}),
    });
  }
  return images;
}

const revision = (arn: string): string => (arn ? (arn.split("/").pop() ?? arn) : "");

async function readDeploys(dir: string): Promise<DeployRecord[]> {
  const files = (await entries(path.join(dir, RAW.deploys))).filter((f) => f.endsWith(".json")).sort();
  const deploys: DeployRecord[] = [];
  for (const file of files) {
    const d = await readJson(dir, path.join(RAW.deploys, file), deploySchema);
    if (!d) continue;
    const unchanged = d.status === "dry-run" && d.forcedNewDeployment;
    const failure = d.failure && `${d.failure.stage}: ${d.failure.reason}`;
    const restore = d.restore && !d.restore.ok ? `; restore failed: ${d.restore.reason ?? "unknown"}` : "";
    deploys.push({
      service: d.service,
      status: unchanged ? "unchanged" : d.status,
      before: revision(d.from),
      deployed: unchanged ? "" : revision(d.to),
      after: revision(d.running),
      ...(d.image ? { image: d.image } : {}),
      ...(failure ? { failure: `${failure}${restore}` } : {}),
      durationMs: d.durationMs,
    });
  }
  return deploys;
}

async function readJson<T>(dir: string, name: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, name), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let parsed;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch (err) {
    throw malformed(dir, name, (err as Error).message);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw malformed(dir, name, `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

function malformed(dir: string, name: string, why: string) {
  return userError(
    "report.bad-results",
    `Failed to read ${name} in the results directory ${dir}: ${why}`,
    "The step that wrote it is from a different version of the pipeline; run the function again.",
  );
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Reads a run.json that `report` wrote; fails naming the file when it is not one. */
export async function readRunRecord(file: string): Promise<RunRecord> {
  const record = await readJson(path.dirname(file), path.basename(file), runRecordSchema);
  if (!record) {
    throw userError(
      "report.no-record",
      `Failed to read the run record ${file}: no such file`,
      "Pass the run.json in the results directory a composite function returned.",
    );
  }
  return record;
}
