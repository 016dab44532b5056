import type { Invocation, Location, Log, ReportingDescriptor, Result, Run, ToolComponent } from "sarif";
import { atOrAbove, type Severity } from "../../images/severity.js";
import { TOOL_TITLES, type TerraformFinding, type ToolStatus, type ValidateResult } from "./findings.js";

// GitHub code scanning ranks results by the rule's `security-severity` (0-10).
const SECURITY_SEVERITY: Record<Severity, string> = { CRITICAL: "9.5", HIGH: "8.0", MEDIUM: "5.5", LOW: "2.0", UNKNOWN: "0.0" };

type RanOrFailed = Exclude<ToolStatus, { status: "skipped" }>;

/**
 * validateTerraform's findings as SARIF 2.1.0, one run per tool that ran or tried to, for
 * code-scanning upload: findings at or above the threshold are `error`, the rest `warning`
 * or `note`. Each run has one invocation: a tool that could not run (entirely or for some
 * roots) has `executionSuccessful: false` and one `error` notification per failure, so a
 * consumer knows the run's results are incomplete (SARIF 2.1.0 §3.20.14, §3.20.21, §3.58.6
 * and Appendix I, "Detecting incomplete result sets").
 */
export function renderValidateSarif(result: ValidateResult): Log {
  const runs = result.tools.filter((t): t is RanOrFailed => t.status !== "skipped").map((t) => toolRun(t, result.threshold));
  return { $schema: "https://json.schemastore.org/sarif-2.1.0.json", version: "2.1.0", runs };
}

function toolRun(t: RanOrFailed, threshold: Severity): Run {
  const rules: ReportingDescriptor[] = [];
  const index = new Map<string, number>();
  const results = t.findings.map((f) => {
    let ruleIndex = index.get(f.rule);
    if (ruleIndex === undefined) {
      ruleIndex = rules.length;
      index.set(f.rule, ruleIndex);
      rules.push(rule(f));
    }
    return toResult(f, ruleIndex, threshold);
  });
  const driver: ToolComponent = { name: TOOL_TITLES[t.tool], rules };
  const extensions: ToolComponent[] = (t.components ?? []).map((c) => ({ name: c.name, version: c.version }));
  return { tool: { driver, ...(extensions.length ? { extensions } : {}) }, invocations: [invocation(t)], results };
}

function invocation(t: RanOrFailed): Invocation {
  if (t.status === "ran") return { executionSuccessful: true };
  return {
    executionSuccessful: false,
    toolExecutionNotifications: t.failures.map((f) => ({
      level: "error",
      message: { text: f.where ? `could not run in ${f.where}: ${f.message}` : `could not run: ${f.message}` },
      ...(f.where ? { locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.where), uriBaseId: "%SRCROOT%" } } }] } : {}),
    })),
  };
}

function rule(f: TerraformFinding): ReportingDescriptor {
  return {
    id: f.rule,
    shortDescription: { text: f.message.split(": ")[0] ?? f.rule },
    ...(f.link ? { helpUri: f.link } : {}),
    properties: { "security-severity": SECURITY_SEVERITY[f.severity], tags: ["terraform", f.tool, f.severity] },
  };
}

function toResult(f: TerraformFinding, ruleIndex: number, threshold: Severity): Result {
  const level = atOrAbove(f.severity, threshold) ? "error" : f.severity === "LOW" || f.severity === "UNKNOWN" ? "note" : "warning";
  const location: Location = {
    physicalLocation: { artifactLocation: { uri: encodeURI(f.file), uriBaseId: "%SRCROOT%" }, region: { startLine: f.line ?? 1 } },
    ...(f.module ? { logicalLocations: [{ fullyQualifiedName: f.module, kind: "module" }] } : {}),
  };
  const caller: Location[] = f.calledFrom
    ? [
        {
          id: 1,
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.calledFrom.file), uriBaseId: "%SRCROOT%" },
            region: { startLine: f.calledFrom.line },
          },
          message: { text: f.module ? `${f.module} is called here` : "the module is called here" },
        },
      ]
    : [];
  return {
    ruleId: f.rule,
    ruleIndex,
    level,
    message: { text: f.message },
    locations: [location],
    ...(caller.length ? { relatedLocations: caller } : {}),
    properties: { severity: f.severity, ...(f.module ? { module: f.module } : {}) },
  };
}
