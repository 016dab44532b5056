import { describe, expect, it } from "vitest";
import {
  checkSteps,
  deployStages,
  detectDriftStages,
  pullRequestStages,
  rawResults,
  type CheckFunctions,
} from "../../../dagger/src/composites.js";
import { runSteps, type Stage } from "../../../dagger/src/pipeline-runner.js";

type Directory = Parameters<typeof checkSteps>[1];

// No Dagger engine runs here, so these tests read the composites' stage lists (what runs, in
// which order, what in parallel) without running the steps, except check's, whose steps only
// call the functions given to it: those are replaced by recorders, since lint and test need an engine.

const source = {} as Directory;
const identity = {};

function names(stages: Stage[]): (string | string[])[] {
  return stages.map((s) => ("parallel" in s ? s.parallel.map((p) => p.name) : s.name));
}

describe("the composite functions' stages", () => {
  it("deploy: buildAll, scanImage, publish, plan, apply, waitServices, then one deployService per changed service, in that order", () => {
    const stages = deployStages(
      source,
      { env: "dev", commitSha: "0".repeat(40), threshold: "CRITICAL", dryRun: false, identity },
      rawResults(),
    );
    // publish before plan: the first apply starts each service on the digest publish pushed.
    expect(names(stages)).toEqual([
      "buildAll",
      "scanImage",
      "publish",
      "plan",
      "apply",
      "waitServices",
      "deployService",
    ]);
    expect("expand" in stages[6]!).toBe(true);
  });

  it("deploy of a promoted environment: promote, plan, apply, deployService by digest, and no build, scan or publish", () => {
    const stages = deployStages(
      source,
      {
        env: "prod",
        commitSha: "0".repeat(40),
        threshold: "CRITICAL",
        dryRun: false,
        identity,
        promotedFrom: "staging",
      },
      rawResults(),
    );
    expect(names(stages)).toEqual(["promote", "plan", "apply", "deployService"]);
    expect("expand" in stages[3]!).toBe(true);
  });

  it("pullRequest: the three checks and the plan together, then the comment, which runs even after a failed check", () => {
    const fns = {} as CheckFunctions;
    const results = () => source;
    const plain = pullRequestStages(fns, source, { env: "dev", identity }, rawResults(), results);
    expect(names(plain)).toEqual([["lint", "test", "validateTerraform", "plan"]]);
    const target = { repository: "acme/platform", prNumber: 3, githubToken: {} as never };
    const commenting = pullRequestStages(fns, source, { env: "dev", identity, ...target }, rawResults(), results);
    expect(names(commenting)).toEqual([["lint", "test", "validateTerraform", "plan"], "comment"]);
    expect(commenting[1]).toMatchObject({ name: "comment", always: true });
  });

  it("pullRequest posts a GitLab merge-request note given the whole GitLab target, and refuses half of one or both", () => {
    const gitlab = {
      gitlabProject: "42",
      mergeRequestIid: 7,
      gitlabToken: {} as never,
      gitlabApiUrl: "https://gitlab.com/api/v4",
    };
    const stages = pullRequestStages(
      {} as CheckFunctions,
      source,
      { env: "dev", identity, ...gitlab },
      rawResults(),
      () => source,
    );
    expect(names(stages)).toEqual([["lint", "test", "validateTerraform", "plan"], "comment"]);
    const half = { env: "dev", identity, gitlabProject: "42", mergeRequestIid: 7 };
    expect(() => pullRequestStages({} as CheckFunctions, source, half, rawResults(), () => source)).toThrow(
      /--gitlab-project, --merge-request-iid, --gitlab-token and --gitlab-api-url together/,
    );
    const both = { ...half, ...gitlab, repository: "acme/platform", prNumber: 3, githubToken: {} as never };
    expect(() => pullRequestStages({} as CheckFunctions, source, both, rawResults(), () => source)).toThrow(/not both/);
  });

  it("pullRequest refuses half a comment target instead of silently not commenting", () => {
    const half = { env: "dev", identity, repository: "acme/platform" };
    expect(() => pullRequestStages({} as CheckFunctions, source, half, rawResults(), () => source)).toThrow(
      /--repository, --pr-number and --github-token together/,
    );
  });

  it("detectDrift: the plan, then the drift decision", () => {
    expect(names(detectDriftStages(source, "prod", identity, rawResults()))).toEqual(["plan", "drift"]);
  });

  it("check: runs lint, test and validateTerraform together and reports every failure in one summary", async () => {
    const started: string[] = [];
    const fns: CheckFunctions = {
      lint: async () => {
        started.push("lint");
        throw new Error("eslint: 2 problems");
      },
      runTests: async () => {
        started.push("test");
        return { passed: true, report: "...\ntests: 120 passed, 0 failed\n", files: dir("test files") };
      },
      validateReports: () => {
        started.push("validateTerraform");
        return reports({ "report.txt": "validate-terraform: 0 findings", "findings.json": '{"passed":true}' });
      },
    };
    const raw = rawResults();
    const result = await runSteps({
      pipeline: "check",
      stages: [{ name: "check", parallel: checkSteps(fns, source, raw) }],
    });
    expect(started.sort()).toEqual(["lint", "test", "validateTerraform"]);
    expect(result.failedStep).toBe("lint");
    expect(result.steps.map((s) => [s.name, s.status, s.detail ?? s.error])).toEqual([
      ["lint", "failed", "eslint: 2 problems"],
      ["test", "passed", "tests: 120 passed, 0 failed"],
      ["validateTerraform", "passed", "validate-terraform: 0 findings"],
    ]);
  });

  it("check keeps the test files and the Terraform reports of failing steps, for the CI to upload", async () => {
    const testFiles = dir("junit.xml and coverage");
    const terraform = reports({
      "report.txt": "validateTerraform failed: 1 finding(s) at or above HIGH",
      "findings.json": '{"passed":false}',
    });
    const fns: CheckFunctions = {
      lint: async () => "lint passed",
      runTests: async () => ({ passed: false, report: "FAIL a test\ntests: 119 passed, 1 failed", files: testFiles }),
      validateReports: () => terraform,
    };
    const raw = rawResults();
    const result = await runSteps({
      pipeline: "check",
      stages: [{ name: "check", parallel: checkSteps(fns, source, raw) }],
    });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["lint", "passed"],
      ["test", "failed"],
      ["validateTerraform", "failed"],
    ]);
    expect(result.steps[1]!.error).toContain("tests: 119 passed, 1 failed");
    expect(result.steps[2]!.error).toBe("validateTerraform failed: 1 finding(s) at or above HIGH");
    expect(raw.test).toBe(testFiles);
    expect(raw.terraform).toBe(terraform);
  });
});

/** A stand-in Directory: tests here only pass it along. */
function dir(label: string): Directory {
  return { label } as unknown as Directory;
}

/** A stand-in Directory whose files the step reads. */
function reports(files: Record<string, string>): Directory {
  return { file: (name: string) => ({ contents: async () => files[name] ?? "" }) } as unknown as Directory;
}
