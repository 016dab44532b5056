import path from "node:path";
import { z } from "zod";
import { SEVERITIES, type Severity } from "../../images/severity.js";
import type { TerraformFinding } from "./findings.js";

/**
 * Pure readers of each tool's machine output. Paths come back repository-relative so the
 * report and SARIF point at the same files whatever directory a tool ran in.
 */

const rel = (repoRoot: string, base: string, file: string): string =>
  path.relative(repoRoot, path.resolve(base, file.replace(/^\/+/, ""))).split(path.sep).join("/");

const toSeverity = (s: string | null | undefined): Severity | undefined => {
  const up = (s ?? "").toUpperCase();
  return SEVERITIES.find((v) => v === up);
};

/** `tofu fmt -check -list=true -recursive DIR`: one unformatted file per line. */
export function parseFmt(stdout: string, repoRoot: string, cwd: string): TerraformFinding[] {
  return stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((file) => ({
      tool: "fmt",
      rule: "fmt",
      severity: "HIGH",
      message: "not in canonical format; run `tofu fmt -recursive`",
      file: rel(repoRoot, cwd, file),
    }));
}

const validateSchema = z.object({
  diagnostics: z
    .array(
      z.object({
        severity: z.string(),
        summary: z.string(),
        detail: z.string().optional(),
        range: z.object({ filename: z.string(), start: z.object({ line: z.number() }) }).optional(),
      }),
    )
    .default([]),
});

/** `tofu validate -json` in `rootDir`: errors are CRITICAL (the code cannot run), warnings LOW. */
export function parseValidate(stdout: string, repoRoot: string, rootDir: string): TerraformFinding[] {
  const parsed = validateSchema.parse(JSON.parse(stdout));
  return parsed.diagnostics.map((d) => ({
    tool: "validate",
    rule: `tofu-validate-${d.severity}`,
    severity: d.severity === "error" ? "CRITICAL" : "LOW",
    message: d.detail ? `${d.summary}: ${d.detail.split("\n")[0]}` : d.summary,
    file: d.range ? rel(repoRoot, rootDir, d.range.filename) : rel(repoRoot, rootDir, "."),
    ...(d.range ? { line: d.range.start.line } : {}),
  }));
}

const tflintSchema = z.object({
  issues: z
    .array(
      z.object({
        rule: z.object({ name: z.string(), severity: z.string(), link: z.string().optional() }),
        message: z.string(),
        range: z.object({ filename: z.string(), start: z.object({ line: z.number() }) }),
      }),
    )
    .default([]),
  errors: z.array(z.object({ message: z.string() })).default([]),
});

const TFLINT_SEVERITY: Record<string, Severity> = { error: "HIGH", warning: "MEDIUM", notice: "LOW", info: "LOW" };

/** `tflint --format=json`: error → HIGH, warning → MEDIUM, notice → LOW. Tool errors are thrown. */
export function parseTflint(stdout: string, repoRoot: string, cwd: string): TerraformFinding[] {
  const parsed = tflintSchema.parse(JSON.parse(stdout));
  if (parsed.errors.length > 0) throw new Error(parsed.errors.map((e) => e.message).join("; "));
  return parsed.issues.map((i) => ({
    tool: "tflint",
    rule: i.rule.name,
    severity: TFLINT_SEVERITY[i.rule.severity.toLowerCase()] ?? "MEDIUM",
    message: i.message,
    file: rel(repoRoot, cwd, i.range.filename),
    line: i.range.start.line,
    ...(i.rule.link ? { link: i.rule.link } : {}),
  }));
}

const trivySchema = z.object({
  Results: z
    .array(
      z.object({
        Target: z.string(),
        Misconfigurations: z
          .array(
            z.object({
              ID: z.string(),
              AVDID: z.string().optional(),
              Title: z.string().optional(),
              Message: z.string().optional(),
              Severity: z.string(),
              Status: z.string().optional(),
              PrimaryURL: z.string().optional(),
              CauseMetadata: z.object({ StartLine: z.number().optional() }).optional(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
});

/** `trivy config --format json`: failed misconfigurations with Trivy's own severity. */
export function parseTrivy(stdout: string, repoRoot: string, scanDir: string): TerraformFinding[] {
  const parsed = trivySchema.parse(JSON.parse(stdout));
  return (parsed.Results ?? []).flatMap((r) =>
    (r.Misconfigurations ?? [])
      .filter((m) => (m.Status ?? "FAIL") === "FAIL")
      .map((m) => ({
        tool: "trivy" as const,
        rule: m.AVDID ?? m.ID,
        severity: toSeverity(m.Severity) ?? "UNKNOWN",
        message: [m.Title, m.Message].filter(Boolean).join(": ") || m.ID,
        file: rel(repoRoot, scanDir, r.Target),
        ...(m.CauseMetadata?.StartLine ? { line: m.CauseMetadata.StartLine } : {}),
        ...(m.PrimaryURL ? { link: m.PrimaryURL } : {}),
      })),
  );
}

const checkovReport = z.object({
  check_type: z.string().optional(),
  results: z
    .object({
      failed_checks: z
        .array(
          z.object({
            check_id: z.string(),
            check_name: z.string(),
            severity: z.string().nullish(),
            file_path: z.string(),
            file_line_range: z.array(z.number()).optional(),
            resource: z.string().optional(),
            guideline: z.string().nullish(),
          }),
        )
        .default([]),
    })
    .optional(),
});

/** Severity given to checkov findings it does not rate (offline, it rates none). */
export const CHECKOV_DEFAULT_SEVERITY: Severity = "HIGH";

/**
 * `checkov -o json`: one report or a list of them (one per framework). Without its
 * platform checkov rates nothing, so unrated findings get CHECKOV_DEFAULT_SEVERITY: a check
 * that fails must be fixed or skipped in the code with a reason (`# checkov:skip=ID:why`).
 */
export function parseCheckov(stdout: string, repoRoot: string, scanDir: string): TerraformFinding[] {
  const raw: unknown = JSON.parse(stdout);
  const reports = z.array(checkovReport).parse(Array.isArray(raw) ? raw : [raw]);
  return reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map((c) => {
      const rated = toSeverity(c.severity);
      return {
        tool: "checkov" as const,
        rule: c.check_id,
        severity: rated ?? CHECKOV_DEFAULT_SEVERITY,
        ...(rated ? {} : { defaultSeverity: true }),
        message: c.resource ? `${c.check_name} (${c.resource})` : c.check_name,
        file: rel(repoRoot, scanDir, c.file_path),
        ...(c.file_line_range?.[0] ? { line: c.file_line_range[0] } : {}),
        ...(c.guideline ? { link: c.guideline } : {}),
      };
    }),
  );
}
