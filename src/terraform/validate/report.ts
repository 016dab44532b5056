import { atOrAbove, SEVERITIES } from "../../images/severity.js";
import { TOOL_TITLES, type TerraformFinding, type ToolFailure, type ToolStatus, type ValidateResult } from "./findings.js";

/**
 * The report a person reads: each tool's findings together, worst first, with file:line and
 * the module instance; a tool that could not run says so with its own message, and the
 * verdict names it.
 */
export function renderValidateReport(result: ValidateResult): string {
  const out = result.tools.flatMap((t) => toolSection(t, result));
  out.push("", verdict(result));
  return out.join("\n");
}

function toolSection(t: ToolStatus, result: ValidateResult): string[] {
  const title = TOOL_TITLES[t.tool];
  if (t.status === "skipped") return [`${title}: skipped (${t.reason})`];
  const count = t.findings.length === 0 ? "no findings" : `${t.findings.length} finding(s)`;
  const failed = t.status === "failed" ? `; COULD NOT RUN${t.failures.some((f) => f.where) ? ` in ${t.failures.length} place(s)` : ""}` : "";
  const lines = [`${title}: ${count}${failed}${t.note ? ` (${t.note})` : ""}`];
  if (t.status === "failed") lines.push(...t.failures.map(failureLines));
  const sorted = [...t.findings].sort(
    (a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );
  for (const f of sorted) lines.push(findingLine(f, atOrAbove(f.severity, result.threshold)));
  return lines;
}

function failureLines(f: ToolFailure): string {
  const [first, ...rest] = f.message.split("\n");
  const head = `  ! could not run${f.where ? ` in ${f.where}` : ""}: ${first ?? ""}`;
  return [head, ...rest.map((l) => `      ${l}`)].join("\n");
}

function findingLine(f: TerraformFinding, blocking: boolean): string {
  const where = f.line ? `${f.file}:${f.line}` : f.file;
  const context = [f.module, f.calledFrom ? `called from ${f.calledFrom.file}:${f.calledFrom.line}` : undefined].filter(Boolean);
  const suffix = context.length ? `  [${context.join(", ")}]` : "";
  return `  ${blocking ? "✗" : "·"} ${f.severity.padEnd(8)} ${where}  ${f.rule}: ${f.message}${suffix}`;
}

function verdict(result: ValidateResult): string {
  if (result.passed) return `validateTerraform passed: every tool ran, nothing at or above ${result.threshold}.`;
  const parts = [`${result.blocking.length} finding(s) at or above ${result.threshold}`];
  if (result.failedTools.length > 0) parts.push(`could not run: ${result.failedTools.join(", ")} (fix the tool's error or skip it explicitly with --skip)`);
  return `validateTerraform failed: ${parts.join("; ")}.`;
}
