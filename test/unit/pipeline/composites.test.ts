import { describe, expect, it } from "vitest";
import {
  checkSteps,
  deployStages,
  detectDriftStages,
  pullRequestStages,
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
  it("deploy: buildAll, scanImage, publish, plan, apply, then one deployService per changed service, in that order", () => {
    const stages = deployStages(source, {
      env: "dev",
      commitSha: "0".repeat(40),
      threshold: "CRITICAL",
      dryRun: false,
      identity,
    });
    expect(names(stages)).toEqual(["buildAll", "scanImage", "publish", "plan", "apply", "deployService"]);
    expect("expand" in stages[5]!).toBe(true);
  });

  it("pullRequest: the three checks and the plan together, then the comment only when a comment target is given", () => {
    const fns = {} as CheckFunctions;
    const plain = pullRequestStages(fns, source, { env: "dev", identity });
    expect(names(plain.stages)).toEqual([["lint", "test", "validateTerraform", "plan"]]);
    const commenting = pullRequestStages(fns, source, {
      env: "dev",
      identity,
      repository: "acme/platform",
      prNumber: 3,
      githubToken: {} as never,
    });
    expect(names(commenting.stages)).toEqual([["lint", "test", "validateTerraform", "plan"], "comment"]);
  });

  it("pullRequest refuses half a comment target instead of silently not commenting", () => {
    expect(() =>
      pullRequestStages({} as CheckFunctions, source, { env: "dev", identity, repository: "acme/platform" }),
    ).toThrow(/--repository, --pr-number and --github-token together/);
  });

  it("detectDrift: the plan, then the drift decision", () => {
    expect(names(detectDriftStages(source, "prod", identity))).toEqual(["plan", "drift"]);
  });

  it("check: runs lint, test and validateTerraform together and reports every failure in one summary", async () => {
    const started: string[] = [];
    const fns: CheckFunctions = {
      lint: async () => {
        started.push("lint");
        throw new Error("eslint: 2 problems");
      },
      test: async () => {
        started.push("test");
        return "...\nTests 120 passed";
      },
      validateTerraform: async () => {
        started.push("validateTerraform");
        return { file: () => ({ contents: async () => "validate-terraform: 0 findings" }) } as unknown as Directory;
      },
    };
    const result = await runSteps({
      pipeline: "check",
      stages: [{ name: "check", parallel: checkSteps(fns, source) }],
    });
    expect(started.sort()).toEqual(["lint", "test", "validateTerraform"]);
    expect(result.failedStep).toBe("lint");
    expect(result.steps.map((s) => [s.name, s.status, s.detail ?? s.error])).toEqual([
      ["lint", "failed", "eslint: 2 problems"],
      ["test", "passed", "Tests 120 passed"],
      ["validateTerraform", "passed", "validate-terraform: 0 findings"],
    ]);
  });
});
