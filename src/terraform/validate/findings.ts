import { atOrAbove, SEVERITIES, type Severity } from "../../images/severity.js";

/** The tools validateTerraform runs, in report order. */
export const VALIDATE_TOOLS = ["fmt", "validate", "tflint", "trivy", "checkov"] as const;
export type ValidateTool = (typeof VALIDATE_TOOLS)[number];

export const TOOL_TITLES: Record<ValidateTool, string> = {
  fmt: "tofu fmt -check",
  validate: "tofu validate",
  tflint: "tflint (AWS ruleset)",
  trivy: "trivy config",
  checkov: "checkov",
};

/** One problem one tool found, at a repository-relative file and line. */
export interface TerraformFinding {
  tool: ValidateTool;
  rule: string;
  severity: Severity;
  /** True when the tool gave no severity and ours is the documented default. */
  defaultSeverity?: boolean;
  message: string;
  file: string;
  line?: number;
  link?: string;
}

export type ToolStatus =
  | { tool: ValidateTool; status: "ran"; findings: TerraformFinding[]; note?: string }
  | { tool: ValidateTool; status: "skipped"; reason: string }
  | { tool: ValidateTool; status: "failed"; error: string };

export interface ValidateResult {
  threshold: Severity;
  tools: ToolStatus[];
  /** Findings at or above the threshold. */
  blocking: TerraformFinding[];
  /** Every tool ran (or was skipped on request) and nothing is at or above the threshold. */
  passed: boolean;
}

export function gate(tools: ToolStatus[], threshold: Severity): ValidateResult {
  const all = tools.flatMap((t) => (t.status === "ran" ? t.findings : []));
  const blocking = all.filter((f) => atOrAbove(f.severity, threshold));
  const passed = blocking.length === 0 && tools.every((t) => t.status !== "failed");
  return { threshold, tools, blocking, passed };
}

/** The report a person reads: each tool's findings together, worst first, with file:line. */
export function renderValidateReport(result: ValidateResult): string {
  const out: string[] = [];
  for (const t of result.tools) {
    if (t.status === "skipped") {
      out.push(`${TOOL_TITLES[t.tool]}: skipped (${t.reason})`);
      continue;
    }
    if (t.status === "failed") {
      out.push(`${TOOL_TITLES[t.tool]}: could not run: ${t.error}`);
      continue;
    }
    out.push(`${TOOL_TITLES[t.tool]}: ${t.findings.length === 0 ? "no findings" : `${t.findings.length} finding(s)`}${t.note ? ` (${t.note})` : ""}`);
    const sorted = [...t.findings].sort(
      (a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.file.localeCompare(b.file),
    );
    for (const f of sorted) {
      const where = f.line ? `${f.file}:${f.line}` : f.file;
      const mark = atOrAbove(f.severity, result.threshold) ? "✗" : "·";
      out.push(`  ${mark} ${f.severity.padEnd(8)} ${where}  ${f.rule}: ${f.message}`);
    }
  }
  const failedTools = result.tools.filter((t) => t.status === "failed").map((t) => t.tool);
  out.push(
    "",
    result.passed
      ? `validateTerraform passed: nothing at or above ${result.threshold}.`
      : `validateTerraform failed: ${result.blocking.length} finding(s) at or above ${result.threshold}` +
          (failedTools.length ? `; could not run: ${failedTools.join(", ")}` : "") +
          ".",
  );
  return out.join("\n");
}
