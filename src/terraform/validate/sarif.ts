import type { Log, ReportingDescriptor, Result, Run } from "sarif";
import { atOrAbove, type Severity } from "../../images/severity.js";
import { TOOL_TITLES, type TerraformFinding, type ValidateResult } from "./findings.js";

// GitHub code scanning ranks results by the rule's `security-severity` (0-10).
const SECURITY_SEVERITY: Record<Severity, string> = { CRITICAL: "9.5", HIGH: "8.0", MEDIUM: "5.5", LOW: "2.0", UNKNOWN: "0.0" };

/**
 * validateTerraform's findings as SARIF 2.1.0, one run per tool that ran, for code-scanning
 * upload: findings at or above the threshold are `error`, the rest `warning` or `note`.
 */
export function renderValidateSarif(result: ValidateResult): Log {
  const runs: Run[] = result.tools.flatMap((t) => (t.status === "ran" ? [toolRun(t.tool, t.findings, result.threshold)] : []));
  return { $schema: "https://json.schemastore.org/sarif-2.1.0.json", version: "2.1.0", runs };
}

function toolRun(tool: TerraformFinding["tool"], findings: TerraformFinding[], threshold: Severity): Run {
  const rules: ReportingDescriptor[] = [];
  const index = new Map<string, number>();
  const results: Result[] = findings.map((f) => {
    let ruleIndex = index.get(f.rule);
    if (ruleIndex === undefined) {
      ruleIndex = rules.length;
      index.set(f.rule, ruleIndex);
      rules.push({
        id: f.rule,
        shortDescription: { text: f.message.split(": ")[0] ?? f.rule },
        ...(f.link ? { helpUri: f.link } : {}),
        properties: { "security-severity": SECURITY_SEVERITY[f.severity], tags: ["terraform", tool, f.severity] },
      });
    }
    return {
      ruleId: f.rule,
      ruleIndex,
      level: atOrAbove(f.severity, threshold) ? "error" : f.severity === "LOW" || f.severity === "UNKNOWN" ? "note" : "warning",
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(f.file), uriBaseId: "%SRCROOT%" },
            region: { startLine: f.line ?? 1 },
          },
        },
      ],
      properties: { severity: f.severity },
    };
  });
  return { tool: { driver: { name: TOOL_TITLES[tool], rules } }, results };
}
