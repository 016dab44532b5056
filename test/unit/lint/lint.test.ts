import { mkdirSync, mkdtempSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lint, renderLintReport } from "../../../src/lint/lint.js";
import { requireTool } from "../../support/tools.js";

const repo = path.resolve(".");

/**
 * A small repository with one problem per linter. It lives under .pipeline/ (git-ignored) so
 * Node resolves eslint's plugins from this repository's node_modules.
 */
function brokenRepo(): string {
  mkdirSync(path.join(repo, ".pipeline"), { recursive: true });
  const root = mkdtempSync(path.join(repo, ".pipeline", "lint-"));
  for (const f of ["eslint.config.js", ".prettierrc.json", "tsconfig.json"]) copyFileSync(f, path.join(root, f));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ type: "module" }));
  mkdirSync(path.join(root, "src"));
  writeFileSync(path.join(root, "src", "a.ts"), "export const a = (x: any) =>   x;\n");
  mkdirSync(path.join(root, "terraform"));
  writeFileSync(path.join(root, "terraform", "main.tf"), 'resource "terraform_data" "x" {\ninput="a"\n}\n');
  mkdirSync(path.join(root, ".github", "workflows"), { recursive: true });
  writeFileSync(
    path.join(root, ".github", "workflows", "ci.yml"),
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n",
  );
  return root;
}

describe("lint", () => {
  beforeAll(() => {
    requireTool("tofu");
    requireTool("actionlint");
  });

  it("runs every linter, reports each finding under its tool, and fails when any finds something", async () => {
    const result = await lint({ root: brokenRepo(), binDir: path.join(repo, "node_modules", ".bin") });
    const failed = result.findings.filter((f) => !f.passed).map((f) => f.tool);
    expect(result.passed).toBe(false);
    expect(failed).toEqual(["eslint", "prettier", "tofu fmt", "actionlint"]);
    const report = renderLintReport(result);
    expect(report).toMatch(/== eslint \(.*\): FAILED\n[\s\S]*no-explicit-any/);
    expect(report).toMatch(/== prettier \(.*\): FAILED\n[\s\S]*src\/a\.ts/);
    expect(report).toMatch(/== tofu fmt \(terraform\/\): FAILED\n[\s\S]*main\.tf/);
    expect(report).toMatch(/== actionlint \(\.github\/workflows\/\): FAILED\n[\s\S]*stepz/);
    expect(report).toMatch(/ok {2}tsc \(tsconfig\.json\)/);
    expect(report.trimEnd().split("\n").at(-1)).toBe(
      "lint failed: 4 of 6 checks (eslint, prettier, tofu fmt, actionlint)",
    );
  });

  it("counts a linter that is not installed as a failure that says how to install it", async () => {
    const emptyBin = mkdtempSync(path.join(repo, ".pipeline", "bin-"));
    const result = await lint({ root: brokenRepo(), binDir: emptyBin });
    const eslint = result.findings.find((f) => f.tool === "eslint");
    expect(result.passed).toBe(false);
    expect(eslint?.passed).toBe(false);
    expect(eslint?.output).toBe(
      `${path.join(emptyBin, "eslint")} is not installed. Install it with npm ci, or run lint in its container: dagger call lint`,
    );
  });
});
