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
]);

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

  it("run each job as: check out, install the pinned Dagger CLI, then only `dagger call`", () => {
    for (const { file, id, steps } of gitHubJobs()) {
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
        const extra = Object.keys(step).filter((k) => !["name", "env", "run"].includes(k));
        expect(extra, `${where}: a dagger step is a name, env and run, nothing else`).toEqual([]);
        expect(step.uses, where).toBeUndefined();
        const commands = shellCommands(String(step.run));
        expect(commands.length, where).toBeGreaterThan(0);
        for (const words of commands) expect(parseDaggerCall(words), `${where}: ${words.join(" ")}`).toBeDefined();
      }
    }
  });

  it("pin the Dagger CLI to the engine version the module is built with, 0.21.9", () => {
    expect(engineVersion).toBe("v0.21.9");
    for (const { steps } of gitHubJobs()) expect(steps[1]?.with).toEqual({ version: "0.21.9" });
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
      const expected: Record<string, string> = { contents: "read" };
      if (reachesAws) expected["id-token"] = "write";
      if (comments) expected["pull-requests"] = "write";
      expect(permissions, where).toEqual(expected);
    }
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
    ]);
    expect(on("drift.yml")).toMatchObject({ schedule: [{ cron: expect.any(String) }] });
    const rollback = readYaml(".github/workflows/rollback.yml").jobs as Record<string, Yaml>;
    expect(rollback.rollback!.if).toBe("inputs.confirm == format('{0}/{1}', inputs.environment, inputs.service)");
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
