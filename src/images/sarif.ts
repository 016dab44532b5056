import type { Log, ReportingDescriptor, Result } from "sarif";
import type { Finding } from "./findings.js";
import type { GateResult } from "./gate.js";
import type { Severity } from "./severity.js";

export interface SarifOptions {
  /** What was scanned, e.g. "mcpo (linux/amd64)"; becomes the result location. */
  artifact: string;
  trivyVersion: string | undefined;
}

const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

// GitHub code scanning reads `security-severity` (0-10); these mirror Trivy's own SARIF output.
const SECURITY_SEVERITY: Record<Severity, string> = {
  CRITICAL: "9.5",
  HIGH: "8.0",
  MEDIUM: "5.5",
  LOW: "2.0",
  UNKNOWN: "0.0",
};

/**
 * The gate's result as a SARIF 2.1.0 log: one rule per vulnerability id, one result per
 * finding; findings that block are `error`, ignored ones carry an external suppression
 * with the ignore entry's statement, so code-scanning UIs show them as dismissed.
 */
export function renderSarif(result: GateResult, options: SarifOptions): Log {
  const all: { finding: Finding; suppression?: string }[] = [
    ...result.blocking.map((finding) => ({ finding })),
    ...result.ignored.map(({ finding, entry }) => ({ finding, suppression: entry.statement })),
    ...result.below.map((finding) => ({ finding })),
  ];
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  for (const { finding } of all) {
    if (ruleIndex.has(finding.id)) continue;
    ruleIndex.set(finding.id, rules.length);
    rules.push(rule(finding));
  }
  const blocking = new Set(result.blocking);
  const results: Result[] = all.map(({ finding, suppression }) => ({
    ruleId: finding.id,
    ruleIndex: ruleIndex.get(finding.id) ?? 0,
    level: blocking.has(finding) ? "error" : suppression !== undefined ? "note" : "warning",
    message: {
      text: `${finding.pkgName} ${finding.installedVersion} is affected by ${finding.id} (${finding.severity})${
        finding.fixedVersion ? `; fixed in ${finding.fixedVersion}` : "; no fix released"
      }.`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(options.artifact) },
          region: { startLine: 1 },
        },
        message: { text: finding.target },
      },
    ],
    ...(suppression === undefined ? {} : { suppressions: [{ kind: "external", justification: suppression }] }),
    properties: { pkgName: finding.pkgName, installedVersion: finding.installedVersion, severity: finding.severity },
  }));
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Trivy",
            informationUri: "https://github.com/aquasecurity/trivy",
            ...(options.trivyVersion ? { version: options.trivyVersion } : {}),
            rules,
          },
        },
        invocations: [{ executionSuccessful: true, properties: { gatePassed: result.passed } }],
        results,
      },
    ],
  };
}

function rule(f: Finding): ReportingDescriptor {
  const text = f.title || `${f.id} in ${f.pkgName}`;
  return {
    id: f.id,
    name: "OsPackageVulnerability",
    shortDescription: { text },
    fullDescription: { text: f.description || text },
    ...(f.url ? { helpUri: f.url } : {}),
    help: { text: `Vulnerability ${f.id}\nSeverity: ${f.severity}\nPackage: ${f.pkgName}` },
    defaultConfiguration: { level: f.severity === "CRITICAL" || f.severity === "HIGH" ? "error" : "warning" },
    properties: {
      precision: "very-high",
      "security-severity": SECURITY_SEVERITY[f.severity],
      tags: ["vulnerability", "security", f.severity],
    },
  };
}

function artifactUri(artifact: string): string {
  return encodeURI(artifact.replace(/\s+/g, "-").replace(/[()]/g, ""));
}
