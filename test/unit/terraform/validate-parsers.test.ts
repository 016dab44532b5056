import { describe, expect, it } from "vitest";
import { gate, type ToolStatus } from "../../../src/terraform/validate/findings.js";
import { parseFmt, parseTflint, parseValidate } from "../../../src/terraform/validate/parsers.js";
import { renderValidateReport } from "../../../src/terraform/validate/report.js";
import { renderValidateSarif } from "../../../src/terraform/validate/sarif.js";
import { parseCheckov, parseTrivy } from "../../../src/terraform/validate/scanner-parsers.js";

// Samples trimmed from the tools' real output (tofu 1.12, trivy 0.74, checkov 3.3, tflint 0.64).
const REPO = "/repo";
const TF = "/repo/terraform";

describe("tool output parsers", () => {
  it("reads tofu fmt's file list relative to the repository", () => {
    expect(parseFmt("broken/main.tf\n", REPO, TF)).toEqual([
      expect.objectContaining({ tool: "fmt", file: "terraform/broken/main.tf", severity: "HIGH" }),
    ]);
  });

  it("reads tofu validate diagnostics with the root's file and line; errors are CRITICAL", () => {
    const out = JSON.stringify({
      valid: false,
      diagnostics: [
        {
          severity: "error",
          summary: "Reference to undeclared input variable",
          detail: 'An input variable with the name "x" has not been declared.\nMore.',
          range: { filename: "main.tf", start: { line: 8, column: 11 } },
        },
        { severity: "warning", summary: "Deprecated", detail: "" },
      ],
    });
    expect(parseValidate(out, REPO, `${TF}/broken`)).toEqual([
      {
        tool: "validate",
        rule: "tofu-validate-error",
        severity: "CRITICAL",
        message: 'Reference to undeclared input variable: An input variable with the name "x" has not been declared.',
        file: "terraform/broken/main.tf",
        line: 8,
      },
      { tool: "validate", rule: "tofu-validate-warning", severity: "LOW", message: "Deprecated", file: "terraform/broken" },
    ]);
  });

  it("maps tflint severities and returns tflint's own errors as clean text beside the issues", () => {
    const out = JSON.stringify({
      issues: [
        {
          rule: { name: "aws_instance_invalid_type", severity: "error", link: "https://example/rule" },
          message: '"t9.mega" is an invalid value as instance_type',
          range: { filename: "modules/insecure/main.tf", start: { line: 14, column: 19 } },
          callers: [],
        },
        {
          // Found in a called module: placed at the root's argument, callers end in the module.
          rule: { name: "aws_instance_invalid_type", severity: "error" },
          message: '"t9.mega" is an invalid value as instance_type',
          range: { filename: "main.tf", start: { line: 4, column: 19 } },
          callers: [
            { filename: "main.tf", start: { line: 4, column: 19 } },
            { filename: "modules/web/main.tf", start: { line: 28, column: 19 } },
          ],
        },
        {
          rule: { name: "terraform_unused_declarations", severity: "warning" },
          message: "variable not used",
          range: { filename: "modules/x/variables.tf", start: { line: 1, column: 1 } },
        },
      ],
      errors: [],
    });
    expect(parseTflint(out, REPO, TF).findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ["aws_instance_invalid_type", "HIGH", "terraform/modules/insecure/main.tf", 14],
      ["aws_instance_invalid_type", "HIGH", "terraform/main.tf", 4],
      ["terraform_unused_declarations", "MEDIUM", "terraform/modules/x/variables.tf", 1],
    ]);
    expect(parseTflint(out, REPO, TF).findings[1]?.message).toBe(
      '"t9.mega" is an invalid value as instance_type (used at terraform/modules/web/main.tf:28)',
    );
    const failed = JSON.stringify({
      issues: [],
      errors: [{ message: "\u001b[1mFailed to load configurations\u001b[0m; main.tf:10,10-11,1: Invalid expression", severity: "error" }],
    });
    expect(parseTflint(failed, REPO, TF)).toEqual({
      findings: [],
      errors: [{ message: "Failed to load configurations; main.tf:10,10-11,1: Invalid expression" }],
    });
  });

  it("keeps only trivy's failed checks, with Trivy's severity and the cause's start line", () => {
    const out = JSON.stringify({
      Results: [
        { Target: "broken", Class: "config", MisconfSummary: { Successes: 51, Failures: 0 } },
        {
          Target: "modules/insecure/main.tf",
          Misconfigurations: [
            {
              ID: "AWS-0107",
              Title: "Security groups should not allow unrestricted ingress to SSH or RDP from any IP address.",
              Message: "Security group rule allows unrestricted ingress from any IP address.",
              Severity: "HIGH",
              PrimaryURL: "https://avd.aquasec.com/misconfig/aws-0107",
              Status: "FAIL",
              CauseMetadata: { StartLine: 26, EndLine: 26 },
            },
            { ID: "AWS-0001", Severity: "LOW", Status: "PASS" },
          ],
        },
      ],
    });
    expect(parseTrivy(out, REPO, TF)).toEqual([
      {
        tool: "trivy",
        rule: "AWS-0107",
        severity: "HIGH",
        message:
          "Security groups should not allow unrestricted ingress to SSH or RDP from any IP address.: Security group rule allows unrestricted ingress from any IP address.",
        file: "terraform/modules/insecure/main.tf",
        line: 26,
        link: "https://avd.aquasec.com/misconfig/aws-0107",
      },
    ]);
  });

  it("names trivy's module instance and the root's calling line from CauseMetadata.Occurrences (trivy 0.74 output)", () => {
    const misconf = (instance: string, line: number) => ({
      ID: "AWS-0107",
      Severity: "HIGH",
      Status: "FAIL",
      CauseMetadata: {
        Resource: instance,
        StartLine: 26,
        Occurrences: [
          { Resource: "ingress", Filename: "modules/sg/main.tf", Location: { StartLine: 21, EndLine: 27 } },
          { Resource: "aws_security_group.this", Filename: "modules/sg/main.tf", Location: { StartLine: 17, EndLine: 28 } },
          { Resource: instance, Filename: "main.tf", Location: { StartLine: line, EndLine: line + 3 } },
        ],
      },
    });
    const out = JSON.stringify({ Results: [{ Target: "modules/sg/main.tf", Misconfigurations: [misconf("module.app_sg", 21), misconf("module.efs_sg", 16)] }] });
    expect(parseTrivy(out, REPO, TF).map((f) => [f.file, f.line, f.module, f.calledFrom])).toEqual([
      ["terraform/modules/sg/main.tf", 26, "module.app_sg", { file: "terraform/main.tf", line: 21 }],
      ["terraform/modules/sg/main.tf", 26, "module.efs_sg", { file: "terraform/main.tf", line: 16 }],
    ]);
    const nested = { ...misconf("module.inner", 3) };
    nested.CauseMetadata.Occurrences = [
      { Resource: "module.inner", Filename: "modules/outer/main.tf", Location: { StartLine: 3, EndLine: 5 } },
      { Resource: "module.outer", Filename: "main.tf", Location: { StartLine: 9, EndLine: 11 } },
    ];
    expect(parseTrivy(JSON.stringify({ Results: [{ Target: "modules/sg/main.tf", Misconfigurations: [nested] }] }), REPO, TF)[0]).toMatchObject({
      module: "module.outer.module.inner",
      calledFrom: { file: "terraform/main.tf", line: 9 },
    });
  });

  it("reads checkov's single or per-framework reports; unrated findings count as HIGH and say so", () => {
    const report = {
      check_type: "terraform",
      results: {
        failed_checks: [
          {
            check_id: "CKV_AWS_24",
            check_name: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
            severity: null,
            file_path: "/modules/insecure/main.tf",
            file_line_range: [17, 28],
            resource: "aws_security_group.open",
            guideline: null,
          },
        ],
      },
    };
    const one = parseCheckov(JSON.stringify(report), REPO, TF);
    expect(one).toEqual([
      {
        tool: "checkov",
        rule: "CKV_AWS_24",
        severity: "HIGH",
        defaultSeverity: true,
        message: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22 (aws_security_group.open)",
        file: "terraform/modules/insecure/main.tf",
        line: 17,
      },
    ]);
    expect(parseCheckov(JSON.stringify([report, { check_type: "secrets", results: { failed_checks: [] } }]), REPO, TF)).toEqual(one);
  });

  it("gives checkov's findings in a module the instance and the calling line (checkov 3.3 output)", () => {
    const check = (instance: string, caller: [number, number]) => ({
      check_id: "CKV_AWS_24",
      check_name: "Ensure no security groups allow ingress from 0.0.0.0:0 to port 22",
      severity: null,
      file_path: "/modules/sg/main.tf",
      file_line_range: [17, 28],
      resource: `${instance}.aws_security_group.this`,
      caller_file_path: "/main.tf",
      caller_file_line_range: caller,
    });
    const out = JSON.stringify({ check_type: "terraform", results: { failed_checks: [check("module.app_sg", [21, 24]), check("module.efs_sg", [16, 19])] } });
    expect(parseCheckov(out, REPO, TF).map((f) => [f.file, f.line, f.module, f.calledFrom])).toEqual([
      ["terraform/modules/sg/main.tf", 17, "module.app_sg", { file: "terraform/main.tf", line: 21 }],
      ["terraform/modules/sg/main.tf", 17, "module.efs_sg", { file: "terraform/main.tf", line: 16 }],
    ]);
  });
});

describe("the severity gate and report", () => {
  const tools: ToolStatus[] = [
    { tool: "fmt", status: "ran", findings: [] },
    { tool: "validate", status: "skipped", reason: "skipped on request" },
    {
      tool: "trivy",
      status: "ran",
      findings: [
        { tool: "trivy", rule: "AWS-0089", severity: "LOW", message: "S3 Bucket Logging", file: "terraform/a.tf", line: 3 },
        { tool: "trivy", rule: "AWS-0107", severity: "HIGH", message: "SSH open", file: "terraform/b.tf", line: 9 },
      ],
    },
  ];

  it("fails on findings at or above the threshold only", () => {
    expect(gate(tools, "HIGH")).toMatchObject({ passed: false, blocking: [expect.objectContaining({ rule: "AWS-0107" })] });
    expect(gate(tools, "CRITICAL").passed).toBe(true);
  });

  it("fails when a tool could not run, even with no findings", () => {
    const result = gate([{ tool: "tflint", status: "failed", findings: [], failures: [{ message: "not installed" }] }], "CRITICAL");
    expect(result).toMatchObject({ passed: false, failedTools: ["tflint"], blocking: [] });
  });

  it("groups findings by tool, worst first, with file:line, and says what was skipped", () => {
    const text = renderValidateReport(gate(tools, "HIGH"));
    expect(text.split("\n")).toEqual([
      "tofu fmt -check: no findings",
      "tofu validate: skipped (skipped on request)",
      "trivy config: 2 finding(s)",
      "  ✗ HIGH     terraform/b.tf:9  AWS-0107: SSH open",
      "  · LOW      terraform/a.tf:3  AWS-0089: S3 Bucket Logging",
      "",
      "validateTerraform failed: 1 finding(s) at or above HIGH.",
    ]);
  });

  it("writes SARIF with one run per tool that ran and error level for blocking findings", () => {
    const sarif = renderValidateSarif(gate(tools, "HIGH"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs.map((r) => r.tool.driver.name)).toEqual(["tofu fmt -check", "trivy config"]);
    const results = sarif.runs[1]?.results ?? [];
    expect(results.map((r) => [r.ruleId, r.level, r.locations?.[0]?.physicalLocation?.artifactLocation?.uri])).toEqual([
      ["AWS-0089", "note", "terraform/a.tf"],
      ["AWS-0107", "error", "terraform/b.tf"],
    ]);
    expect(sarif.runs[1]?.tool.driver.rules?.[1]?.properties?.["security-severity"]).toBe("8.0");
  });
});
