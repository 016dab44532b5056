import { userError } from "../errors.js";

/** Trivy's severities, lowest first. UNKNOWN is what Trivy reports when no source rates a finding. */
export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export function atOrAbove(s: Severity, threshold: Severity): boolean {
  return severityRank(s) >= severityRank(threshold);
}

/** Reads a threshold a user typed (any case). */
export function parseSeverity(value: string, what = "severity threshold"): Severity {
  const upper = value.trim().toUpperCase();
  const found = SEVERITIES.find((s) => s === upper);
  if (!found) {
    throw userError(
      "images.bad-severity",
      `Failed to read ${what}: found "${value}", expected one of ${SEVERITIES.join(", ")}`,
      `Pass one of ${SEVERITIES.join(", ")} (any case).`,
    );
  }
  return found;
}
