import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { readPlanDir } from "../../../src/terraform/plan-dir.js";

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "plan-dir-"));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe("readPlanDir", () => {
  it("refuses a directory without meta.json and says what a plan directory holds", async () => {
    const dir = await dirWith({});
    const err = await readPlanDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).code).toBe("terraform.bad-plan-dir");
    expect((err as PipelineError).hint).toContain("plan.tfplan, meta.json and fingerprint.json");
  });

  it("names the field of meta.json that is wrong", async () => {
    const dir = await dirWith({ "meta.json": JSON.stringify({ format: 1, env: "dev" }) });
    await expect(readPlanDir(dir)).rejects.toThrow(/meta\.json: account: /);
  });
});
