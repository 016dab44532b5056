import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatSummary,
  runSteps,
  type PipelineEvent,
  type Step,
} from "../../../dagger/src/pipeline-runner.js";

/** A step that records when it starts and ends into a shared log. */
function recorded(name: string, log: string[], outcome: () => Promise<unknown> = async () => undefined): Step {
  return {
    name,
    run: async () => {
      log.push(`start ${name}`);
      try {
        return await outcome();
      } finally {
        log.push(`end ${name}`);
      }
    },
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("runSteps", () => {
  it("runs stages one after another in the order given and reports each step as passed", async () => {
    const log: string[] = [];
    const result = await runSteps({
      pipeline: "deploy dev",
      stages: [recorded("buildAll", log), recorded("scanImage", log), recorded("publish", log)],
    });
    expect(log).toEqual([
      "start buildAll",
      "end buildAll",
      "start scanImage",
      "end scanImage",
      "start publish",
      "end publish",
    ]);
    expect(result.ok).toBe(true);
    expect(result.failedStep).toBeUndefined();
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["buildAll", "passed"],
      ["scanImage", "passed"],
      ["publish", "passed"],
    ]);
  });

  it("starts every step of a parallel group before any of them finishes", async () => {
    const log: string[] = [];
    const lint = gate();
    const test = gate();
    const running = runSteps({
      pipeline: "check",
      stages: [
        {
          name: "check",
          parallel: [
            recorded("lint", log, () => lint.promise),
            recorded("test", log, () => test.promise),
            recorded("validateTerraform", log),
          ],
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(log).toContain("start lint");
    expect(log).toContain("start test");
    expect(log).not.toContain("end lint");
    test.open();
    lint.open();
    const result = await running;
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.name)).toEqual(["lint", "test", "validateTerraform"]);
  });

  it("stops at the first failure, reports later stages as skipped and never throws", async () => {
    const log: string[] = [];
    const result = await runSteps({
      pipeline: "deploy dev",
      stages: [
        recorded("buildAll", log),
        recorded("scanImage", log, async () => {
          throw new Error("Failed to scan image open-webui: 2 CRITICAL vulnerabilities");
        }),
        recorded("publish", log),
        { name: "deploy services", expand: () => [recorded("deployService open-webui", log)] },
      ],
    });
    expect(log).not.toContain("start publish");
    expect(log).not.toContain("start deployService open-webui");
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe("scanImage");
    expect(result.steps).toEqual([
      expect.objectContaining({ name: "buildAll", status: "passed" }),
      expect.objectContaining({
        name: "scanImage",
        status: "failed",
        error: "Failed to scan image open-webui: 2 CRITICAL vulnerabilities",
      }),
      { name: "publish", status: "skipped", durationMs: 0, detail: "after scanImage failed" },
      { name: "deploy services", status: "skipped", durationMs: 0, detail: "after scanImage failed" },
    ]);
  });

  it("still runs a step marked always after a failure, and its own failure does not hide the first", async () => {
    const log: string[] = [];
    const result = await runSteps({
      pipeline: "pullRequest dev",
      stages: [
        recorded("test", log, async () => {
          throw new Error("tests: 119 passed, 1 failed");
        }),
        recorded("plan", log),
        { ...recorded("comment", log, async () => "posted the check results"), always: true },
      ],
    });
    expect(log).toEqual(["start test", "end test", "start comment", "end comment"]);
    expect(result.failedStep).toBe("test");
    expect(result.steps.map((s) => [s.name, s.status, s.detail ?? s.error])).toEqual([
      ["test", "failed", "tests: 119 passed, 1 failed"],
      ["plan", "skipped", "after test failed"],
      ["comment", "passed", "posted the check results"],
    ]);
  });

  it("lets the other steps of a failing parallel group finish and reports all of them", async () => {
    const log: string[] = [];
    const result = await runSteps({
      pipeline: "check",
      stages: [
        {
          name: "check",
          parallel: [
            recorded("lint", log, async () => {
              throw new Error("2 lint errors");
            }),
            recorded("test", log, async () => {
              await new Promise((r) => setTimeout(r, 20));
              return "41 tests passed";
            }),
          ],
        },
        recorded("plan", log),
      ],
    });
    expect(log).toContain("end test");
    expect(log).not.toContain("start plan");
    expect(result.failedStep).toBe("lint");
    expect(result.steps.map((s) => [s.name, s.status, s.detail ?? s.error])).toEqual([
      ["lint", "failed", "2 lint errors"],
      ["test", "passed", "41 tests passed"],
      ["plan", "skipped", "after lint failed"],
    ]);
  });

  it("expands a deferred stage only when reached, so it can use what earlier steps found", async () => {
    const log: string[] = [];
    let changed: string[] = [];
    const result = await runSteps({
      pipeline: "deploy dev",
      stages: [
        {
          name: "publish",
          run: async () => {
            changed = ["mcpo", "open-webui"];
            return "2 images changed";
          },
        },
        { name: "deploy services", expand: () => changed.map((s) => recorded(`deployService ${s}`, log)) },
        recorded("health", log),
      ],
    });
    expect(log).toEqual([
      "start deployService mcpo",
      "end deployService mcpo",
      "start deployService open-webui",
      "end deployService open-webui",
      "start health",
      "end health",
    ]);
    expect(result.steps.map((s) => s.name)).toEqual([
      "publish",
      "deployService mcpo",
      "deployService open-webui",
      "health",
    ]);
  });

  it("fails a deferred stage whose expansion throws and skips what follows", async () => {
    const result = await runSteps({
      pipeline: "deploy dev",
      stages: [
        {
          name: "deploy services",
          expand: () => {
            throw new Error("publish reported no digests");
          },
        },
        { name: "health", run: async () => "ok" },
      ],
    });
    expect(result.failedStep).toBe("deploy services");
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ["deploy services", "failed"],
      ["health", "skipped"],
    ]);
  });

  it("emits a start and a finish event for each step as it happens, with durations from the clock", async () => {
    let t = 1000;
    const events: PipelineEvent[] = [];
    const result = await runSteps({
      pipeline: "p",
      now: () => t,
      onEvent: (e) => events.push(e),
      stages: [
        {
          name: "plan",
          run: async () => {
            t += 2500;
            return "1 to add";
          },
        },
      ],
    });
    expect(events).toEqual([
      { type: "step-started", step: "plan" },
      { type: "step-finished", result: { name: "plan", status: "passed", durationMs: 2500, detail: "1 to add" } },
    ]);
    expect(result.durationMs).toBe(2500);
  });
});

describe("formatSummary", () => {
  it("shows the outcome, one line per step, and the failing step's error", async () => {
    let t = 0;
    const result = await runSteps({
      pipeline: "deploy staging",
      now: () => t,
      stages: [
        {
          name: "buildAll",
          run: async () => {
            t += 65_000;
            return "3 images";
          },
        },
        {
          name: "publish",
          run: async () => {
            t += 4_200;
            throw new Error("Failed to push image mcpo: denied\nHint: check the deploy role's ECR permissions");
          },
        },
        { name: "apply", run: async () => undefined },
      ],
    });
    expect(formatSummary(result)).toBe(
      [
        "deploy staging: FAILED at publish in 1m 09s",
        "  ok      buildAll  1m 05s  3 images",
        "  FAILED  publish   4.2s",
        "  skipped apply             after publish failed",
        "",
        "publish failed:",
        "  Failed to push image mcpo: denied",
        "  Hint: check the deploy role's ECR permissions",
      ].join("\n"),
    );
  });

  it("cuts a long error to its first lines and says how many were left out", async () => {
    const error = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join("\n");
    const result = await runSteps({
      pipeline: "check",
      stages: [
        {
          name: "test",
          run: async () => {
            throw new Error(error);
          },
        },
      ],
    });
    const summary = formatSummary(result);
    expect(summary).toContain("  line 15\n  ... (25 more lines in the step's log)");
    expect(summary).not.toContain("line 16");
  });

  it("uses the first line of a step's string result as its detail, cut to a readable length", async () => {
    const result = await runSteps({
      pipeline: "p",
      stages: [
        { name: "a", run: async () => "3 images built\nsecond line" },
        { name: "b", run: async () => "x".repeat(300) },
        { name: "c", run: async () => ({ not: "a string" }) },
      ],
    });
    expect(result.steps.map((s) => s.detail)).toEqual(["3 images built", `${"x".repeat(99)}…`, undefined]);
  });

  it("formats durations at the scale a person reads them", () => {
    expect(formatDuration(120)).toBe("120ms");
    expect(formatDuration(4_230)).toBe("4.2s");
    expect(formatDuration(605_000)).toBe("10m 05s");
  });
});
