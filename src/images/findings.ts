import { z } from "zod";
import { userError } from "../errors.js";
import { SEVERITIES, type Severity } from "./severity.js";

/**
 * The part of Trivy's JSON report (`--format json`, SchemaVersion 2) the gate reads. Unknown
 * fields are allowed: Trivy adds fields between releases and we only need these.
 */
const vulnerabilitySchema = z.object({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().min(1),
  PkgID: z.string().optional(),
  PkgIdentifier: z.object({ PURL: z.string().optional() }).optional(),
  InstalledVersion: z.string().default(""),
  FixedVersion: z.string().optional(),
  Status: z.string().optional(),
  // Trivy writes upper case; another case is the same severity. A missing or unknown one is
  // refused: read as UNKNOWN it would sit below every threshold and let the image pass.
  Severity: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toUpperCase() : v),
    z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(", ")} (Trivy's severities)` }),
  ),
  Title: z.string().optional(),
  Description: z.string().optional(),
  PrimaryURL: z.string().optional(),
});

const resultSchema = z.object({
  Target: z.string(),
  Class: z.string().optional(),
  Type: z.string().optional(),
  Vulnerabilities: z.array(vulnerabilitySchema).nullish(),
});

export const trivyReportSchema = z.object({
  SchemaVersion: z.literal(2),
  ArtifactName: z.string().optional(),
  ArtifactType: z.string().optional(),
  Trivy: z.object({ Version: z.string().optional() }).optional(),
  Metadata: z
    .object({
      OS: z.object({ Family: z.string(), Name: z.string() }).optional(),
      ImageID: z.string().optional(),
    })
    .optional(),
  Results: z.array(resultSchema).nullish(),
});

export type TrivyReport = z.infer<typeof trivyReportSchema>;

/** One vulnerable package in one place of the image: the unit the gate decides on. */
export interface Finding {
  id: string;
  pkgName: string;
  installedVersion: string;
  fixedVersion: string | undefined;
  severity: Severity;
  title: string | undefined;
  description: string | undefined;
  url: string | undefined;
  purl: string | undefined;
  /** Where Trivy found it, e.g. "img.tar (alpine 3.20.3)". */
  target: string;
}

/**
 * Parses Trivy's JSON text (`label` names it in errors); a report we cannot read is refused,
 * never read as "no findings".
 */
export function parseTrivyReport(text: string, label = "Trivy report"): TrivyReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw userError(
      "images.trivy-report-invalid",
      `Failed to read ${label}: not JSON (${(err as Error).message})`,
      "Run trivy with --format json and pass its output file.",
    );
  }
  const parsed = trivyReportSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.join(".") || "(top level)" : "(top level)";
    const found = first ? (JSON.stringify(valueAt(raw, first.path)) ?? "nothing") : "";
    throw userError(
      "images.trivy-report-invalid",
      `Failed to read ${label}: ${where}: found ${found}, expected ${first?.message ?? "Trivy's report shape"}`,
      "Expected Trivy's JSON report with SchemaVersion 2 (trivy image --format json), as Trivy wrote it.",
    );
  }
  return parsed.data;
}

function valueAt(raw: unknown, at: PropertyKey[]): unknown {
  let cur = raw;
  for (const key of at) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return typeof cur === "object" && cur !== null ? (Array.isArray(cur) ? "(array)" : "(object)") : cur;
}

/** Flattens a report into findings, one per (vulnerability, package, target), sorted worst first. */
export function findingsFromReport(report: TrivyReport): Finding[] {
  const findings: Finding[] = [];
  for (const result of report.Results ?? []) {
    for (const v of result.Vulnerabilities ?? []) {
      findings.push({
        id: v.VulnerabilityID,
        pkgName: v.PkgName,
        installedVersion: v.InstalledVersion,
        fixedVersion: v.FixedVersion || undefined,
        severity: v.Severity,
        title: v.Title,
        description: v.Description,
        url: v.PrimaryURL,
        purl: v.PkgIdentifier?.PURL,
        target: result.Target,
      });
    }
  }
  return sortFindings(findings);
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      a.id.localeCompare(b.id) ||
      a.pkgName.localeCompare(b.pkgName),
  );
}
