import { describe, expect, it } from "vitest";
import { DRIFT_EXIT_CODE, decideDrift } from "../../../src/pipeline/drift.js";

describe("decideDrift", () => {
  it("reports no drift and exit code 0 when the plan changes nothing", () => {
    expect(decideDrift({ env: "prod", counts: { add: 0, change: 0, destroy: 0 } })).toEqual({
      drifted: false,
      exitCode: 0,
      message: "No drift in prod: the live state matches the code.",
    });
  });

  it("reports drift with a non-zero exit code and what the plan wants when any resource would change", () => {
    const decision = decideDrift({ env: "staging", counts: { add: 1, change: 2, destroy: 0, replace: 1 } });
    expect(decision.drifted).toBe(true);
    expect(decision.exitCode).toBe(DRIFT_EXIT_CODE);
    expect(decision.exitCode).not.toBe(0);
    expect(decision.message).toBe(
      "Drift in staging: the plan wants 1 to add, 2 to change, 1 to replace. Someone changed the live resources or the code was not applied.",
    );
  });

  it("counts moves and forgets the state has not caught up with as drift", () => {
    const decision = decideDrift({ env: "dev", counts: { add: 0, change: 0, destroy: 0, move: 2, forget: 1 } });
    expect(decision.drifted).toBe(true);
    expect(decision.message).toContain("2 to move, 1 to forget");
  });

  it("counts a destroy-only plan as drift", () => {
    expect(decideDrift({ env: "dev", counts: { add: 0, change: 0, destroy: 3 } }).drifted).toBe(true);
  });

  it("does not count output-only changes as drift unless asked to, but still mentions them", () => {
    const counts = { add: 0, change: 0, destroy: 0 };
    const quiet = decideDrift({ env: "dev", counts, outputChanges: 2 });
    expect(quiet.drifted).toBe(false);
    expect(quiet.message).toContain("2 outputs to change; outputs only, not counted as drift");
    expect(decideDrift({ env: "dev", counts, outputChanges: 1, outputsAreDrift: true }).drifted).toBe(true);
  });

  it("rejects counts that are not non-negative integers instead of guessing", () => {
    expect(() => decideDrift({ env: "dev", counts: { add: -1, change: 0, destroy: 0 } })).toThrow(
      /non-negative integer/,
    );
    expect(() => decideDrift({ env: "dev", counts: { add: 0.5, change: 0, destroy: 0 } })).toThrow(/"add"/);
  });
});
