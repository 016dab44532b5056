import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { requireTool } from "../support/tools.js";
import {
  gitHubJobs,
  parseDaggerCall,
  readYaml,
  repoRoot,
  shellCommands,
  workflowFiles,
  type Yaml,
} from "./ci-configs.js";

/** The only actions a job may use, pinned by commit (looked up from each repository's release tag). */
const ALLOWED_ACTIONS = new Map([
  ["actions/checkout", { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", tag: "v7.0.1" }],
  ["dagger/dagger-for-github", { sha: "27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77", tag: "v8.4.1" }],
  // The upload actions (issue 17): each SHA is the commit its repository's release tag points
  // to, read from a mirror of that repository (git rev-parse <tag>^{commit}).
  ["actions/upload-artifact", { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", tag: "v7.0.0" }],
  ["actions/download-artifact", { sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", tag: "v8.0.1" }],
  ["github/codeql-action/upload-sarif", { sha: "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", tag: "v4.36.2" }],
  ["mikepenz/action-junit-report", { sha: "d9f48fc87bc235f7e214acf696ca5abc0a986f16", tag: "v6.4.2" }],
]);

/** The actions a job may use besides running `dagger call`: keeping and publishing results. */
const UPLOAD_ACTIONS = new Set([
  "actions/upload-artifact",
  "actions/download-artifact",
  "github/codeql-action/upload-sarif",
  "mikepenz/action-junit-report",
]);

const actionOf = (step: Yaml): string => String(step.uses ?? "").split("@")[0]!;

/** A job that runs the pipeline (it checks out); the others only publish what one of those kept. */
const runsPipeline = (steps: Yaml[]): boolean => actionOf(steps[0] ?? {}) === "actions/checkout";

/** Functions that change an environment: their jobs must never overlap per environment. */
const MUTATING = new Set(["deploy", "apply", "rollback", "deploy-service", "publish", "promote"]);

const engineVersion = (
  JSON.parse(readFileSync(path.join(repoRoot, "dagger.json"), "utf8")) as { engineVersion: string }
).engineVersion;

function daggerCalls(steps: Yaml[]) {
  return steps
    .filter((s) => typeof s.run === "string")
    .flatMap((s) => shellCommands(s.run as string))
    .map((words) => parseDaggerCall(words));
}

describe("GitHub Actions workflows", () => {
  it("exist for pull requests, deploys, rollback, drift and plain checks", () => {
    expect(workflowFiles()).toEqual([
      ".github/workflows/check.yml",
      ".github/workflows/deploy.yml",
      ".github/workflows/drift.yml",
      ".github/workflows/pull-request.yml",
      ".github/workflows/rollback.yml",
    ]);
  });

  it("run each pipeline job as: check out, install the pinned Dagger CLI, then only `dagger call` and uploads", () => {
    for (const { file, id, steps } of gitHubJobs().filter((j) => runsPipeline(j.steps))) {
      const where = `${file} job ${id}`;
      const [checkout, install, ...runs] = steps;
      expect(String(checkout?.uses), where).toMatch(/^actions\/checkout@/);
      expect(checkout?.with, `${where}: the checkout keeps no token on disk`).toEqual({ "persist-credentials": false });
      expect(String(install?.uses), where).toMatch(/^dagger\/dagger-for-github@/);
      expect(install?.with, `${where}: the action only installs the pinned CLI`).toEqual({
        version: engineVersion.replace(/^v/, ""),
      });
      expect(runs.length, where).toBeGreaterThan(0);
      for (const step of runs) {
        if (step.uses !== undefined) {
          expect(UPLOAD_ACTIONS.has(actionOf(step)), `${where}: ${String(step.uses)} is not an upload action`).toBe(
            true,
          );
          continue;
        }
        const extra = Object.keys(step).filter((k) => !["name", "env", "run", "if"].includes(k));
        expect(extra, `${where}: a dagger step is a name, env, if and run, nothing else`).toEqual([]);
        const commands = shellCommands(String(step.run));
        expect(commands.length, where).toBeGreaterThan(0);
        for (const words of commands) expect(parseDaggerCall(words), `${where}: ${words.join(" ")}`).toBeDefined();
      }
    }
  });

  it("run every other job only as a publisher of a pipeline job's results: no checkout, no shell, no AWS", () => {
    const publishers = gitHubJobs().filter((j) => !runsPipeline(j.steps));
    expect(publishers.map((j) => `${j.file} ${j.id}`).sort()).toEqual([
      ".github/workflows/deploy.yml code-scanning",
      ".github/workflows/pull-request.yml code-scanning",
      ".github/workflows/pull-request.yml test-results",
    ]);
    for (const { file, id, job, steps } of publishers) {
      const where = `${file} job ${id}`;
      expect(actionOf(steps[0]!), where).toBe("actions/download-artifact");
      for (const step of steps) {
        expect(step.run, where).toBeUndefined();
        expect(UPLOAD_ACTIONS.has(actionOf(step)), `${where}: ${String(step.uses)}`).toBe(true);
      }
      // After the pipeline job, whether it passed or failed: a failed check's results matter most.
      const needs = String(job.needs);
      expect(job.if, where).toBe(`\${{ !cancelled() && needs.${needs}.result != 'skipped' }}`);
    }
  });

  it("use only allowed actions, each pinned by its full commit SHA with the release named beside it", () => {
    for (const file of workflowFiles()) {
      const text = readFileSync(path.join(repoRoot, file), "utf8");
      const uses = [...text.matchAll(/^\s*-?\s*uses:\s*(\S+)(.*)$/gm)];
      expect(uses.length, file).toBeGreaterThan(0);
      for (const [, ref, comment] of uses) {
        const [action, sha] = ref!.split("@");
        const pinned = ALLOWED_ACTIONS.get(action!);
        expect(pinned, `${file}: ${ref} is not an allowed action`).toBeDefined();
        expect(sha, `${file}: ${ref} must be pinned by a 40-character commit SHA`).toMatch(/^[0-9a-f]{40}$/);
        expect(sha).toBe(pinned!.sha);
        expect(comment!.trim()).toBe(`# ${pinned!.tag}`);
      }
    }
  });

  it("grant no token permissions by default and each job only what it uses", () => {
    for (const { file, id, job, workflow, steps } of gitHubJobs()) {
      const where = `${file} job ${id}`;
      expect(workflow.permissions, `${file}: workflow-level permissions`).toEqual({});
      const permissions = job.permissions as Record<string, string>;
      const text = steps.map((s) => String(s.run ?? "")).join("\n");
      const reachesAws = text.includes("env:ACTIONS_ID_TOKEN_REQUEST_TOKEN");
      const comments = text.includes("--github-token");
      const uses = new Set(steps.map(actionOf));
      const expected: Record<string, string> = { contents: "read" };
      if (reachesAws) expected["id-token"] = "write";
      if (comments) expected["pull-requests"] = "write";
      // Code-scanning alerts and check runs are written only by the jobs that upload them,
      // which run no pipeline code (codeql-action README: security-events: write; action-junit-report README: checks: write).
      if (uses.has("github/codeql-action/upload-sarif")) expected["security-events"] = "write";
      if (uses.has("mikepenz/action-junit-report")) expected.checks = "write";
      expect(permissions, where).toEqual(expected);
      if (expected["security-events"] || expected.checks) expect(reachesAws || comments, where).toBe(false);
    }
  });

  it("keep, summarise, upload and publish every result the pull-request, deploy and check runs produce", () => {
    const jobs = new Map(gitHubJobs().map((j) => [`${path.basename(j.file, ".yml")}/${j.id}`, j]));
    const runStep = (steps: Yaml[], fn: string) =>
      steps.findIndex((st) => daggerCalls([st]).some((c) => c?.function === fn));
    for (const [key, fn] of [
      ["pull-request/pull-request", "pull-request"],
      ["deploy/deploy", "deploy"],
      ["check/check", "check"],
    ] as const) {
      const { steps } = jobs.get(key)!;
      const run = runStep(steps, fn);
      const call = daggerCalls([steps[run]!])[0]!;
      expect(call.chain.join(" "), key).toBe("results export --path .pipeline/results");
      const upload = steps.findIndex((st) => actionOf(st) === "actions/upload-artifact");
      const summary = runStep(steps, "job-summary");
      const verdict = runStep(steps, "verdict");
      // Saved, then kept as an artifact and written as the job summary, then judged: in that order.
      expect([run < upload, upload < verdict, summary < verdict, verdict === steps.length - 1], key).toEqual([
        true,
        true,
        true,
        true,
      ]);
      const kept = "${{ !cancelled() && hashFiles('.pipeline/results/run.json') != '' }}";
      expect([steps[upload]!.if, steps[summary]!.if], `${key}: kept even when a step failed`).toEqual([kept, kept]);
      expect(steps[upload]!.with, key).toMatchObject({ path: ".pipeline/results", "if-no-files-found": "error" });
      expect(String(steps[summary]!.run), key).toBe(
        'dagger call job-summary --results .pipeline/results export --path "$GITHUB_STEP_SUMMARY"',
      );
      expect(steps[verdict]!.if, `${key}: the verdict runs only when the run itself did`).toBeUndefined();
    }
    const artifact = (key: string) =>
      (jobs.get(key)!.steps.find((st) => actionOf(st) === "actions/upload-artifact")!.with as Yaml).name;
    const published = (key: string, action: string) => jobs.get(key)?.steps.find((st) => actionOf(st) === action);
    for (const workflow of ["pull-request", "deploy"]) {
      const download = jobs.get(`${workflow}/code-scanning`)!.steps[0]!.with as Yaml;
      expect(download.name, workflow).toBe(artifact(`${workflow}/${workflow}`));
      expect(published(`${workflow}/code-scanning`, "github/codeql-action/upload-sarif")!.with).toEqual({
        sarif_file: ".pipeline/results/sarif",
      });
    }
    // Tests run in pull requests (check runs them); the deploy runs none.
    expect(published("pull-request/test-results", "mikepenz/action-junit-report")!.with).toMatchObject({
      report_paths: ".pipeline/results/test/junit.xml",
      fail_on_failure: true,
      require_tests: true,
    });
  });

  it("run every job that changes an environment in that GitHub Environment, one at a time per environment", () => {
    const mutating = gitHubJobs().filter(({ steps }) => daggerCalls(steps).some((c) => c && MUTATING.has(c.function)));
    expect(mutating.map((j) => j.id).sort()).toEqual(["deploy", "rollback"]);
    for (const { file, id, job } of mutating) {
      const concurrency = job.concurrency as Yaml;
      expect(job.environment, `${file} job ${id}`).toBeTruthy();
      expect(String(concurrency.group), `${file} job ${id}`).toMatch(/^deploy-\$\{\{.+\}\}$/);
      expect(concurrency["cancel-in-progress"], `${file} job ${id}: a running deploy is never cancelled`).toBe(false);
      // The group names the same environment the job runs in.
      expect(String(concurrency.group)).toBe(`deploy-${String(job.environment)}`);
    }
  });

  it("trigger on the events the pipeline is designed for", () => {
    const on = (file: string) => readYaml(`.github/workflows/${file}`).on as Yaml;
    expect(on("pull-request.yml")).toEqual({ pull_request: { branches: ["dev", "staging", "main"] } });
    expect(on("deploy.yml")).toEqual({ push: { branches: ["dev", "staging", "main"] } });
    expect(Object.keys((on("rollback.yml").workflow_dispatch as Yaml).inputs as Yaml)).toEqual([
      "environment",
      "service",
      "revision",
      "confirm",
      "show_only",
    ]);
    expect(on("drift.yml")).toMatchObject({ schedule: [{ cron: expect.any(String) }] });
    const rollback = readYaml(".github/workflows/rollback.yml").jobs as Record<string, Yaml>;
    expect(rollback.rollback!.if).toBe(
      "${{ !inputs.show_only && inputs.confirm == format('{0}/{1}', inputs.environment, inputs.service) }}",
    );
    // The status comes first, so whoever picks the revision (or approves prod) has seen it.
    expect(rollback.rollback!.needs).toBe("status");
  });

  it("map main to prod and other branches to their own environment, the same way in every place", () => {
    const mapping = "github.ref_name == 'main' && 'prod' || github.ref_name";
    const deploy = (readYaml(".github/workflows/deploy.yml").jobs as Record<string, Yaml>).deploy!;
    expect(deploy.environment).toBe(`\${{ ${mapping} }}`);
    expect((deploy.steps as Yaml[])[2]!.env).toMatchObject({ TARGET_ENV: `\${{ ${mapping} }}` });
  });

  it("pass actionlint (with shellcheck over every run script)", () => {
    const actionlint = requireTool("actionlint");
    requireTool("shellcheck");
    const out = execFileSync(actionlint, ["-no-color", ...workflowFiles()], { cwd: repoRoot, encoding: "utf8" });
    expect(out).toBe("");
  });
});
