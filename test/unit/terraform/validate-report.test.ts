import { describe, expect, it } from "vitest";
import { gate, type ToolStatus } from "../../../src/terraform/validate/findings.js";
import { parseTofuDiagnostics } from "../../../src/terraform/validate/parsers.js";
import { renderValidateReport } from "../../../src/terraform/validate/report.js";
import { renderValidateSarif } from "../../../src/terraform/validate/sarif.js";
import { parseTflintVersion } from "../../../src/terraform/validate/scanner-tools.js";
import { mergeTflintConfig } from "../../../src/terraform/validate/tflint-config.js";
import { sarifErrors } from "../images/fixtures/sarif-schema.js";

const good: ToolStatus = {
  tool: "validate",
  status: "failed",
  note: "roots: infra/good, infra/bad",
  findings: [
    {
      tool: "validate",
      rule: "tofu-validate-error",
      severity: "CRITICAL",
      message: "Reference to undeclared input variable",
      file: "infra/good/main.tf",
      line: 12,
    },
  ],
  failures: [{ where: "infra/bad", message: "tofu init -backend=false failed: Unreadable module directory\nThe directory could not be read" }],
};

describe("a tool that could not run", () => {
  const result = gate([{ tool: "fmt", status: "ran", findings: [] }, good, { tool: "checkov", status: "skipped", reason: "skipped on request" }], "HIGH");

  it("fails the gate and keeps what the other roots found", () => {
    expect(result).toMatchObject({ passed: false, failedTools: ["validate"] });
    expect(result.blocking).toEqual([expect.objectContaining({ file: "infra/good/main.tf", line: 12 })]);
  });

  it("is named in the text report with its own message, and in the verdict", () => {
    expect(renderValidateReport(result).split("\n")).toEqual([
      "tofu fmt -check: no findings",
      "tofu validate: 1 finding(s); COULD NOT RUN in 1 place(s) (roots: infra/good, infra/bad)",
      "  ! could not run in infra/bad: tofu init -backend=false failed: Unreadable module directory",
      "      The directory could not be read",
      "  ✗ CRITICAL infra/good/main.tf:12  tofu-validate-error: Reference to undeclared input variable",
      "checkov: skipped (skipped on request)",
      "",
      "validateTerraform failed: 1 finding(s) at or above HIGH; could not run: validate (fix the tool's error or skip it explicitly with --skip).",
    ]);
  });

  it("is marked in the SARIF run: executionSuccessful false and an error notification, results kept", () => {
    const sarif = renderValidateSarif(result);
    expect(sarif.runs.map((r) => [r.tool.driver.name, r.invocations?.[0]?.executionSuccessful])).toEqual([
      ["tofu fmt -check", true],
      ["tofu validate", false],
    ]);
    const run = sarif.runs[1];
    expect(run?.invocations?.[0]?.toolExecutionNotifications).toEqual([
      {
        level: "error",
        message: { text: "could not run in infra/bad: tofu init -backend=false failed: Unreadable module directory\nThe directory could not be read" },
        locations: [{ physicalLocation: { artifactLocation: { uri: "infra/bad", uriBaseId: "%SRCROOT%" } } }],
      },
    ]);
    expect(run?.results).toHaveLength(1);
    expect(sarifErrors(sarif)).toEqual([]);
  });
});

describe("module instances in the report and SARIF", () => {
  const result = gate(
    [
      {
        tool: "trivy",
        status: "ran",
        findings: ["efs_sg", "app_sg"].map((name, i) => ({
          tool: "trivy" as const,
          rule: "AWS-0107",
          severity: "HIGH" as const,
          message: "SSH open",
          file: "modules/sg/main.tf",
          line: 26,
          module: `module.${name}`,
          calledFrom: { file: "main.tf", line: 16 + 5 * i },
        })),
      },
    ],
    "HIGH",
  );

  it("tells instances of one module apart by their module path and calling line", () => {
    expect(renderValidateReport(result).split("\n").slice(1, 3)).toEqual([
      "  ✗ HIGH     modules/sg/main.tf:26  AWS-0107: SSH open  [module.efs_sg, called from main.tf:16]",
      "  ✗ HIGH     modules/sg/main.tf:26  AWS-0107: SSH open  [module.app_sg, called from main.tf:21]",
    ]);
  });

  it("gives each SARIF result the module as a logical location and the call as a related location", () => {
    const first = renderValidateSarif(result).runs[0]?.results?.[0];
    expect(first?.locations?.[0]?.logicalLocations).toEqual([{ fullyQualifiedName: "module.efs_sg", kind: "module" }]);
    expect(sarifErrors(renderValidateSarif(result))).toEqual([]);
    expect(first?.relatedLocations?.[0]).toMatchObject({
      physicalLocation: { artifactLocation: { uri: "main.tf" }, region: { startLine: 16 } },
      message: { text: "module.efs_sg is called here" },
    });
  });
});

describe("tofu init's diagnostics", () => {
  const line = (d: object) => JSON.stringify({ "@level": "error", type: "diagnostic", diagnostic: d });

  it("are findings when they point at the configuration, the tool's failure otherwise", () => {
    const stdout = [
      JSON.stringify({ "@level": "info", "@message": "OpenTofu 1.12.6", type: "version" }),
      line({ severity: "error", summary: "Invalid expression", detail: "Expected the start of an expression.", range: { filename: "main.tf", start: { line: 10 } } }),
      line({ severity: "error", summary: "Failed to resolve provider packages", detail: "Could not resolve provider hashicorp/aws" }),
      line({ severity: "warning", summary: "Deprecated" }),
    ].join("\n");
    expect(parseTofuDiagnostics(stdout, "/repo", "/repo/infra")).toEqual({
      findings: [expect.objectContaining({ severity: "CRITICAL", file: "infra/main.tf", line: 10, message: "Invalid expression: Expected the start of an expression." })],
      errors: ["Failed to resolve provider packages: Could not resolve provider hashicorp/aws"],
    });
  });
});

describe("the tflint configuration", () => {
  it("is the pipeline's own when the user has none: AWS ruleset on, local modules followed", () => {
    expect(mergeTflintConfig(undefined)).toEqual({
      json: {
        config: { call_module_type: "local" },
        plugin: { terraform: { enabled: true, preset: "recommended" }, aws: { enabled: true } },
      },
      overridden: [],
    });
  });

  it("keeps the user's rules and settings but never lets the AWS ruleset be turned off or swapped", () => {
    const user = {
      config: [{ call_module_type: "all", format: "compact" }],
      plugin: { aws: [{ enabled: false, source: "github.com/terraform-linters/tflint-ruleset-aws", version: "0.30.0" }] },
      rule: { terraform_naming_convention: [{ enabled: true }], aws_instance_invalid_type: [{ enabled: true }] },
    };
    const merged = mergeTflintConfig(user);
    expect(merged.json).toEqual({
      config: { call_module_type: "local", format: "compact" },
      plugin: { terraform: { enabled: true, preset: "recommended" }, aws: { enabled: true } },
      rule: { terraform_naming_convention: { enabled: true }, aws_instance_invalid_type: { enabled: true } },
    });
    expect(merged.overridden).toEqual([
      'config.call_module_type "all" → "local" (remote modules are not installed where tflint runs)',
      'plugin "aws" enabled = false (the AWS ruleset is always in force)',
      'plugin "aws" source (the pipeline runs the ruleset it installed)',
      'plugin "aws" version (the pipeline runs the ruleset it installed)',
    ]);
  });

  it("reads the rulesets and versions tflint loaded", () => {
    const out = "TFLint version 0.64.0\n+ ruleset.aws (0.48.0)\n+ ruleset.terraform (0.13.0-bundled)\n";
    expect(parseTflintVersion(out)).toEqual([
      { name: "tflint", version: "0.64.0" },
      { name: "tflint-ruleset-aws", version: "0.48.0" },
      { name: "tflint-ruleset-terraform", version: "0.13.0-bundled" },
    ]);
  });
});
