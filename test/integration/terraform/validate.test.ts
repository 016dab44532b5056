import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { ToolStatus, ValidateTool } from "../../../src/terraform/validate/findings.js";
import { renderValidateSarif } from "../../../src/terraform/validate/sarif.js";
import { validateTerraform } from "../../../src/terraform/validate/validate.js";
import { requireTool } from "../../support/tools.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, "../../..");
const FIXTURE = path.resolve(here, "../../fixtures/terraform/validate");

const findingsOf = (tools: ToolStatus[], tool: ValidateTool) => {
  const t = tools.find((s) => s.tool === tool);
  if (t?.status !== "ran") throw new Error(`${tool} did not run: ${JSON.stringify(t)}`);
  return t.findings;
};

beforeAll(() => {
  for (const tool of ["tofu", "tflint", "trivy", "checkov"]) requireTool(tool);
});

describe("validateTerraform with the real tools", () => {
  it("reports every tool's findings in a broken and insecure tree, with file and line, and fails the gate", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "tf-validate-"));
    await cp(FIXTURE, root, { recursive: true });
    await cp(path.join(REPO, ".tflint.hcl"), path.join(root, ".tflint.hcl"));
    const result = await validateTerraform({ repoRoot: root, vars: process.env });

    expect(result.tools.map((t) => [t.tool, t.status])).toEqual([
      ["fmt", "ran"],
      ["validate", "ran"],
      ["tflint", "ran"],
      ["trivy", "ran"],
      ["checkov", "ran"],
    ]);
    expect(findingsOf(result.tools, "fmt")).toEqual([expect.objectContaining({ file: "terraform/broken/main.tf" })]);
    expect(findingsOf(result.tools, "validate")).toEqual([
      expect.objectContaining({ file: "terraform/broken/main.tf", line: 8, severity: "CRITICAL" }),
    ]);
    expect(findingsOf(result.tools, "tflint")).toContainEqual(
      expect.objectContaining({ rule: "aws_instance_invalid_type", file: "terraform/modules/insecure/main.tf", line: 14 }),
    );
    expect(findingsOf(result.tools, "trivy")).toContainEqual(
      expect.objectContaining({ rule: "AWS-0107", file: "terraform/modules/insecure/main.tf", severity: "HIGH", line: 26 }),
    );
    expect(findingsOf(result.tools, "checkov")).toContainEqual(
      expect.objectContaining({ rule: "CKV_AWS_24", file: "terraform/modules/insecure/main.tf", line: 17 }),
    );
    expect(result.passed).toBe(false);

    const sarif = renderValidateSarif(result);
    expect(sarif.runs.map((r) => r.tool.driver.name)).toEqual([
      "tofu fmt -check",
      "tofu validate",
      "tflint (AWS ruleset)",
      "trivy config",
      "checkov",
    ]);
    const validateRun = sarif.runs[1];
    expect(validateRun?.results?.[0]?.level).toBe("error");
    expect(validateRun?.results?.[0]?.locations?.[0]?.physicalLocation?.region?.startLine).toBe(8);
  });

  it("passes on this repository's platform code (fmt, tflint, trivy, checkov; validate needs the AWS provider)", async () => {
    const result = await validateTerraform({ repoRoot: REPO, vars: process.env, skip: ["validate"] });
    const failures = result.tools.filter((t) => t.status === "failed");
    expect(failures).toEqual([]);
    expect(result.blocking).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
