import { z } from "zod";
import type { Severity } from "../../images/severity.js";
import type { SourceLine, TerraformFinding } from "./findings.js";
import { rel, toSeverity } from "./parsers.js";

/**
 * Readers of trivy's and checkov's JSON. Both evaluate local module calls, so one module
 * file can fail once per instance: each finding keeps the instance and the line that
 * calls it, or four instances of one module would be four identical lines.
 */

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
              CauseMetadata: z
                .object({
                  StartLine: z.number().optional(),
                  Occurrences: z
                    .array(z.object({ Resource: z.string().optional(), Filename: z.string().optional(), Location: z.object({ StartLine: z.number().optional() }).optional() }))
                    .nullish(),
                })
                .optional(),
            }),
          )
          .nullish(),
      }),
    )
    .nullish(),
});

/**
 * `trivy config --format json`: failed misconfigurations with Trivy's own severity.
 * `CauseMetadata.Occurrences` lists the module blocks around the resource, innermost first
 * (trivy pkg/iac/scan/result.go, Occurrences()): the module path reads from the last to the
 * first, and the last one's line is where the root calls it.
 */
export function parseTrivy(stdout: string, repoRoot: string, scanDir: string): TerraformFinding[] {
  const parsed = trivySchema.parse(JSON.parse(stdout));
  return (parsed.Results ?? []).flatMap((r) =>
    (r.Misconfigurations ?? [])
      .filter((m) => (m.Status ?? "FAIL") === "FAIL")
      .map((m): TerraformFinding => {
        const occurrences = (m.CauseMetadata?.Occurrences ?? []).filter((o) => o.Resource?.startsWith("module."));
        const outer = occurrences.at(-1);
        const calledFrom: SourceLine | undefined =
          outer?.Filename && outer.Location?.StartLine ? { file: rel(repoRoot, scanDir, outer.Filename), line: outer.Location.StartLine } : undefined;
        return {
          tool: "trivy",
          rule: m.AVDID ?? m.ID,
          severity: toSeverity(m.Severity) ?? "UNKNOWN",
          message: [m.Title, m.Message].filter(Boolean).join(": ") || m.ID,
          file: rel(repoRoot, scanDir, r.Target),
          ...(m.CauseMetadata?.StartLine ? { line: m.CauseMetadata.StartLine } : {}),
          ...(m.PrimaryURL ? { link: m.PrimaryURL } : {}),
          ...(occurrences.length ? { module: modulePath(occurrences.map((o) => o.Resource ?? "")) } : {}),
          ...(calledFrom ? { calledFrom } : {}),
        };
      }),
  );
}

/** ["module.b", "module.a"] (innermost first) → "module.a.module.b"; full addresses are kept as given. */
function modulePath(innermostFirst: string[]): string {
  const inner = innermostFirst[0] ?? "";
  const outer = innermostFirst.at(-1) ?? "";
  return inner.startsWith(`${outer}.`) || innermostFirst.length === 1 ? inner : [...innermostFirst].reverse().join(".");
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
            caller_file_path: z.string().nullish(),
            caller_file_line_range: z.array(z.number()).nullish(),
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
 * A resource inside a module is named `module.<name>.<type>.<name>` and carries the
 * calling file and lines (`caller_file_path`, checkov common/output/record.py).
 */
export function parseCheckov(stdout: string, repoRoot: string, scanDir: string): TerraformFinding[] {
  const raw: unknown = JSON.parse(stdout);
  const reports = z.array(checkovReport).parse(Array.isArray(raw) ? raw : [raw]);
  return reports.flatMap((r) =>
    (r.results?.failed_checks ?? []).map((c): TerraformFinding => {
      const rated = toSeverity(c.severity);
      const module = /^(module\.[^.[]+(?:\[[^\]]*\])?(?:\.module\.[^.[]+(?:\[[^\]]*\])?)*)\./.exec(c.resource ?? "")?.[1];
      const callerLine = c.caller_file_line_range?.[0];
      return {
        tool: "checkov",
        rule: c.check_id,
        severity: rated ?? CHECKOV_DEFAULT_SEVERITY,
        ...(rated ? {} : { defaultSeverity: true }),
        message: c.resource ? `${c.check_name} (${c.resource})` : c.check_name,
        file: rel(repoRoot, scanDir, c.file_path),
        ...(c.file_line_range?.[0] ? { line: c.file_line_range[0] } : {}),
        ...(c.guideline ? { link: c.guideline } : {}),
        ...(module ? { module } : {}),
        ...(c.caller_file_path && callerLine ? { calledFrom: { file: rel(repoRoot, scanDir, c.caller_file_path), line: callerLine } } : {}),
      };
    }),
  );
}
