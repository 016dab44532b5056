import { stripVTControlCharacters } from "node:util";
import { atOrAbove, type Severity } from "../../images/severity.js";

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

/** A place in a file, repository-relative. */
export interface SourceLine {
  file: string;
  line: number;
}

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
  /** The module instance the finding is in, as the tool names it: `module.efs_sg`. */
  module?: string;
  /** Where the root module calls that module (the line to change for this instance). */
  calledFrom?: SourceLine;
}

/** Why a tool, or one of its runs (one root), could not do its job. */
export interface ToolFailure {
  /** The root or directory concerned, repository-relative, when the tool runs once per root. */
  where?: string;
  /** What the tool said, without terminal escape codes. */
  message: string;
}

/** A part of a tool that decides what it finds: tflint's rulesets, with their versions. */
export interface ToolComponent {
  name: string;
  version: string;
}

interface ToolRun {
  tool: ValidateTool;
  findings: TerraformFinding[];
  /** What ran: roots, rulesets and config, for the report. */
  note?: string;
  components?: ToolComponent[];
}

export type ToolStatus =
  | (ToolRun & { status: "ran" })
  | { tool: ValidateTool; status: "skipped"; reason: string }
  /** Could not run, entirely or for some roots: `findings` holds what the runs that worked found. */
  | (ToolRun & { status: "failed"; failures: ToolFailure[] });

export interface ValidateResult {
  threshold: Severity;
  tools: ToolStatus[];
  /** Findings at or above the threshold. */
  blocking: TerraformFinding[];
  /** Tools that could not run (not the ones skipped on request). */
  failedTools: ValidateTool[];
  /** Every tool ran (or was skipped on request) and nothing is at or above the threshold. */
  passed: boolean;
}

/** A tool's findings, whether it ran fully or only for some roots. */
export const findingsOf = (t: ToolStatus): TerraformFinding[] => (t.status === "skipped" ? [] : t.findings);

/** The gate: a tool that could not run fails it as surely as a finding at the threshold. */
export function gate(tools: ToolStatus[], threshold: Severity): ValidateResult {
  const blocking = tools.flatMap(findingsOf).filter((f) => atOrAbove(f.severity, threshold));
  const failedTools = tools.filter((t) => t.status === "failed").map((t) => t.tool);
  return { threshold, tools, blocking, failedTools, passed: blocking.length === 0 && failedTools.length === 0 };
}

/**
 * A tool's own message made fit for a report: escape codes (colours, cursor moves) removed,
 * blank lines dropped, the last `lines` lines kept.
 */
export function cleanToolMessage(text: string, lines = 12): string {
  return stripVTControlCharacters(text)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .join("\n");
}
