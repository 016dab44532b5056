import { run } from "../process/run.js";
import { lintChecks } from "./checks.js";
import { checkProviderLocks } from "./provider-lock.js";

export interface LintFinding {
  tool: string;
  scope: string;
  passed: boolean;
  /** The tool's own output, trimmed; empty when it passed quietly. */
  output: string;
}

export interface LintResult {
  passed: boolean;
  findings: LintFinding[];
}

export interface LintOptions {
  root: string;
  /** Where eslint, prettier and tsc are installed; defaults to the repository's node_modules/.bin. */
  binDir?: string;
}

/** Runs every check, never stopping at the first failure, so one report shows everything. */
export async function lint(options: LintOptions): Promise<LintResult> {
  const findings: LintFinding[] = [];
  for (const check of lintChecks(options.root, options.binDir)) {
    const result = await run(check.program, check.args, { cwd: options.root });
    const output = result.notFound
      ? `${check.program} is not installed. Install it with ${check.install}, or run lint in its container: dagger call lint`
      : `${result.stdout}\n${result.stderr}`.trim();
    findings.push({ tool: check.tool, scope: check.scope, passed: result.exitCode === 0, output });
  }
  findings.push(await providerLockFinding(options.root));
  return { passed: findings.every((f) => f.passed), findings };
}

/** The provider pins and lock files of terraform/'s roots, checked in-process (no tool to install). */
async function providerLockFinding(root: string): Promise<LintFinding> {
  const problems = await checkProviderLocks(root);
  const output = problems.map((p) => `${p.root}: ${p.message}`).join("\n");
  return { tool: "provider lock", scope: "terraform/*/.terraform.lock.hcl", passed: problems.length === 0, output };
}

/** Groups the outcome by tool: failures first with their output, then one line per pass. */
export function renderLintReport(result: LintResult): string {
  const failed = result.findings.filter((f) => !f.passed);
  const lines: string[] = [];
  for (const f of failed) {
    lines.push(`== ${f.tool} (${f.scope}): FAILED`, f.output || "(no output)", "");
  }
  for (const f of result.findings.filter((x) => x.passed)) lines.push(`ok  ${f.tool} (${f.scope})`);
  lines.push(
    "",
    result.passed
      ? `lint passed: ${result.findings.length} checks`
      : `lint failed: ${failed.length} of ${result.findings.length} checks (${failed.map((f) => f.tool).join(", ")})`,
  );
  return lines.join("\n");
}
