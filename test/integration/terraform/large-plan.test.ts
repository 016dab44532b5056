import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSummaryParts } from "../../../src/terraform/plan-dir.js";
import { plan } from "../../../src/terraform/plan.js";
import { DEFAULT_PART_CHARS } from "../../../src/terraform/split.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { makeRepo } from "./harness.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

describe("a large real plan", () => {
  it("is summarised in comment-sized parts that together name every planned resource once", async () => {
    const items = 3000;
    const repo = await makeRepo({ endpoint: moto.endpoint, tfvars: `environment = "test"\nitems = ${items}\n` });
    const result = await plan({
      env: repo.env,
      repoRoot: repo.root,
      outDir: path.join(repo.root, "plan"),
      vars: repo.vars,
    });
    expect(result.summary.counts.add).toBe(items);
    const parts = await readSummaryParts(result.outDir);
    expect(parts).toEqual(result.parts);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(result.meta.parts).toEqual(parts.map((_, i) => `summary-${i + 1}.md`));
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(DEFAULT_PART_CHARS);
      expect(DEFAULT_PART_CHARS).toBeLessThan(65_536);
      expect((part.match(/<details>/g) ?? []).length).toBe((part.match(/<\/details>/g) ?? []).length);
    }
    const listed = parts.join("\n").match(/^- `terraform_data\.item\[\d+\]`$/gm) ?? [];
    expect(new Set(listed).size).toBe(items);
    expect(listed).toHaveLength(items);
  });
});
