import path from "node:path";
import { z } from "zod";
import { SEVERITIES, type Severity } from "../../images/severity.js";
import { cleanToolMessage, type TerraformFinding, type ToolFailure } from "./findings.js";

/**
 * Pure readers of each tool's machine output. Paths come back repository-relative so the
 * report and SARIF point at the same files whatever directory a tool ran in.
 */

export const rel = (repoRoot: string, base: string, file: string): string =>
  path.relative(repoRoot, path.resolve(base, file.replace(/^\/+/, ""))).split(path.sep).join("/");

export const toSeverity = (s: string | null | undefined): Severity | undefined => {
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

const diagnostic = z.object({
  severity: z.string(),
  summary: z.string(),
  detail: z.string().optional(),
  range: z.object({ filename: z.string(), start: z.object({ line: z.number() }) }).optional(),
});
type Diagnostic = z.infer<typeof diagnostic>;
const validateSchema = z.object({ diagnostics: z.array(diagnostic).default([]) });

const diagnosticFinding = (d: Diagnostic, repoRoot: string, rootDir: string): TerraformFinding => ({
  tool: "validate",
  rule: `tofu-validate-${d.severity}`,
  severity: d.severity === "error" ? "CRITICAL" : "LOW",
  message: d.detail ? `${d.summary}: ${d.detail.split("\n")[0]}` : d.summary,
  file: d.range ? rel(repoRoot, rootDir, d.range.filename) : rel(repoRoot, rootDir, "."),
  ...(d.range ? { line: d.range.start.line } : {}),
});

/** `tofu validate -json` in `rootDir`: errors are CRITICAL (the code cannot run), warnings LOW. */
export function parseValidate(stdout: string, repoRoot: string, rootDir: string): TerraformFinding[] {
  const parsed = validateSchema.parse(JSON.parse(stdout));
  return parsed.diagnostics.map((d) => diagnosticFinding(d, repoRoot, rootDir));
}

/**
 * `tofu init -json`'s error diagnostics (one JSON object per line): those with a place in the
 * configuration (a syntax error, a bad module call) are findings; the rest (a provider that
 * cannot be installed) are what stopped the tool, as text.
 */
export function parseTofuDiagnostics(stdout: string, repoRoot: string, rootDir: string): { findings: TerraformFinding[]; errors: string[] } {
  const findings: TerraformFinding[] = [];
  const errors: string[] = [];
  for (const line of stdout.split("\n")) {
    let d: Diagnostic;
    try {
      const parsed = z.object({ diagnostic: diagnostic }).safeParse(JSON.parse(line));
      if (!parsed.success || parsed.data.diagnostic.severity !== "error") continue;
      d = parsed.data.diagnostic;
    } catch {
      continue;
    }
    if (d.range) findings.push(diagnosticFinding(d, repoRoot, rootDir));
    else errors.push(d.detail ? `${d.summary}: ${d.detail}` : d.summary);
  }
  return { findings, errors };
}

const tflintRange = z.object({ filename: z.string(), start: z.object({ line: z.number() }) });
const tflintSchema = z.object({
  issues: z
    .array(
      z.object({
        rule: z.object({ name: z.string(), severity: z.string(), link: z.string().optional() }),
        message: z.string(),
        range: tflintRange,
        callers: z.array(tflintRange).nullish(),
      }),
    )
    .nullish(),
  errors: z.array(z.object({ message: z.string(), summary: z.string().optional(), range: tflintRange.nullish() })).nullish(),
});

const TFLINT_SEVERITY: Record<string, Severity> = { error: "HIGH", warning: "MEDIUM", notice: "LOW", info: "LOW" };

/**
 * `tflint --format=json`: error → HIGH, warning → MEDIUM, notice → LOW. An issue tflint finds
 * in a called module (call_module_type) is placed at the root's argument the value comes from,
 * with `callers` running from there to the expression in the module (tflint/runner.go,
 * EmitIssue): the message says where in the module it lands. tflint's own errors come back as
 * text, cleaned, beside the issues it did find.
 */
export function parseTflint(stdout: string, repoRoot: string, cwd: string): { findings: TerraformFinding[]; errors: ToolFailure[] } {
  const parsed = tflintSchema.parse(JSON.parse(stdout));
  const findings = (parsed.issues ?? []).map((i): TerraformFinding => {
    const file = rel(repoRoot, cwd, i.range.filename);
    const inModule = i.callers?.at(-1);
    const lands = inModule && (inModule.filename !== i.range.filename || inModule.start.line !== i.range.start.line);
    return {
      tool: "tflint",
      rule: i.rule.name,
      severity: TFLINT_SEVERITY[i.rule.severity.toLowerCase()] ?? "MEDIUM",
      message: lands ? `${i.message} (used at ${rel(repoRoot, cwd, inModule.filename)}:${inModule.start.line})` : i.message,
      file,
      line: i.range.start.line,
      ...(i.rule.link ? { link: i.rule.link } : {}),
    };
  });
  const errors = (parsed.errors ?? []).map((e): ToolFailure => {
    // With --recursive, each directory's error starts "Failed to run in <dir>; exit status 1".
    const dir = /^Failed to run in (.+?); exit status/.exec(e.message)?.[1];
    const where = e.range ? `${rel(repoRoot, cwd, e.range.filename)}:${e.range.start.line}: ` : "";
    return { ...(dir ? { where: rel(repoRoot, cwd, dir) } : {}), message: cleanToolMessage(`${where}${e.message}`) };
  });
  return { findings: dedupe(findings), errors };
}

/** tflint --recursive can reach one place twice (a module on its own and through a call): one finding per place. */
function dedupe(findings: TerraformFinding[]): TerraformFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = JSON.stringify([f.rule, f.file, f.line, f.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
