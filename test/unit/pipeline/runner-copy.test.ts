import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("the Dagger module's copy of the step runner", () => {
  it("is byte-identical to src/pipeline/runner.ts, so the composites run the tested code", async () => {
    // The module cannot import from src/ (its runtime only ships dagger/), hence a copy.
    const core = await readFile(new URL("../../../src/pipeline/runner.ts", import.meta.url), "utf8");
    const copy = await readFile(new URL("../../../dagger/src/pipeline-runner.ts", import.meta.url), "utf8");
    expect(copy, "refresh it: cp src/pipeline/runner.ts dagger/src/pipeline-runner.ts").toBe(core);
  });

  it("has no imports, so it compiles and runs the same in both places", async () => {
    const core = await readFile(new URL("../../../src/pipeline/runner.ts", import.meta.url), "utf8");
    expect(core).not.toMatch(/^\s*import\s/m);
    expect(core).not.toMatch(/\bimport\(/);
  });
});
