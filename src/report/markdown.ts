import type { DeployRecord, RunRecord, StepRecord } from "./record.js";

/**
 * The one Markdown renderer for a run: GitHub's job summary, the pull-request comment's
 * check section and GitLab's merge-request note all come from here, so every CI shows the
 * same content. Pure functions of the run record; golden files pin the output.
 */

const STEP_MARK: Record<StepRecord["status"], string> = {
  passed: "✅ passed",
  failed: "❌ failed",
  skipped: "⏭️ skipped",
};

const DEPLOY_MARK: Record<DeployRecord["status"], string> = {
  succeeded: "✅ deployed",
  unchanged: "➖ unchanged (already runs this image)",
  "dry-run": "🔍 dry run",
  "failed-restored": "↩️ failed, restored",
  "failed-not-restored": "🚨 failed, NOT restored",
};

/** Longest error excerpt shown per failed step; the full text is in the job log. */
const MAX_ERROR_LINES = 15;

/** "1m 05s", "4.2s", "120ms": the same shapes as the module's text summary. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
}

/** A table cell: one line, pipes escaped so they do not end the cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}

function headline(record: RunRecord): string {
  const outcome = record.ok ? "✅ passed" : `❌ failed at ${code(record.failedStep ?? "?")}`;
  return `${code(record.pipeline)}: ${outcome} in ${formatDuration(record.durationMs)}`;
}

function stepsTable(steps: StepRecord[]): string[] {
  return table(
    ["step", "verdict", "time", "detail"],
    steps.map((s) => [
      code(s.name),
      STEP_MARK[s.status],
      s.status === "skipped" ? "" : formatDuration(s.durationMs),
      s.status === "failed" ? failureLine(s.error) : (s.detail ?? ""),
    ]),
  );
}

/** The line that says what went wrong: past a bare "exit code 1" / "<verb> exited 1" to the report's headline. */
function failureLine(error: string | undefined): string {
  const lines = (error ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.find((l) => !/^(exit code \d+|\S+ exited \d+)$/.test(l)) ?? lines[0] ?? "";
  return said.length > 120 ? `${said.slice(0, 119)}…` : said;
}

const html = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Each failed step's error, folded, so the page stays short. */
function failures(steps: StepRecord[]): string[] {
  return steps
    .filter((s) => s.status === "failed" && s.error)
    .flatMap((s) => {
      const lines = s.error!.trimEnd().split("\n");
      const shown = lines.slice(0, MAX_ERROR_LINES).map((l) => l.replace(/```/g, "'''"));
      if (lines.length > MAX_ERROR_LINES)
        shown.push(`... (${lines.length - MAX_ERROR_LINES} more lines in the job log)`);
      return [
        "",
        `<details><summary><code>${html(s.name)}</code> failed</summary>`,
        "",
        "```text",
        ...shown,
        "```",
        "",
        "</details>",
      ];
    });
}

function testsLine(tests: NonNullable<RunRecord["tests"]>): string {
  const counts = `${tests.passed} passed, ${tests.failed} failed${tests.skipped ? `, ${tests.skipped} skipped` : ""}`;
  const c = tests.coverage;
  const coverage = c
    ? ` · coverage: lines ${c.lines.toFixed(1)}%, branches ${c.branches.toFixed(1)}%, functions ${c.functions.toFixed(1)}%`
    : "";
  return `${tests.failed === 0 ? "✅" : "❌"} **Tests:** ${counts}${coverage}`;
}

function terraformLine(t: NonNullable<RunRecord["terraform"]>): string {
  const failed = t.toolsFailed.length ? `; tools that failed to run: ${t.toolsFailed.join(", ")}` : "";
  const verdict = t.passed
    ? `nothing at or above ${t.threshold} (${t.findings} finding(s) below)`
    : `${t.blocking} finding(s) at or above ${t.threshold}${failed}`;
  return `${t.passed ? "✅" : "❌"} **Terraform findings:** ${verdict}`;
}

function planLines(p: NonNullable<RunRecord["plan"]>): string[] {
  const title = `### Plan: ${code(p.env)} (account ${p.account})`;
  if (!p.hasChanges) return [title, "", "No changes."];
  const replaced = p.replace ? ` (${p.replace} replaced)` : "";
  return [title, "", ...table(["add", "change", "destroy"], [[`${p.add}`, `${p.change}`, `${p.destroy}${replaced}`]])];
}

function scanCell(scan: NonNullable<RunRecord["images"]>[number]["scans"][number]): string {
  const counts = `${scan.blocking} blocking, ${scan.ignored} ignored, ${scan.below} below`;
  return `${scan.platform}: ${scan.passed ? "✅" : "❌"} ${counts}`;
}

function imageLines(images: NonNullable<RunRecord["images"]>): string[] {
  const threshold = images.flatMap((i) => i.scans).find(Boolean)?.threshold;
  return [
    `### Images${threshold ? ` (scan gate: ${threshold})` : ""}`,
    "",
    ...table(
      ["service", "digest", "scan"],
      images.map((i) => [
        code(i.service),
        i.digest ? code(i.digest) : "not pushed",
        i.scans.length
          ? i.scans.map(scanCell).join("<br>")
          : i.promoted
            ? "promoted by digest; scan attestations re-checked"
            : "not scanned",
      ]),
    ),
  ];
}

function deployLines(deploys: DeployRecord[]): string[] {
  return [
    "### Services",
    "",
    ...table(
      ["service", "before", "rolled out", "after", "outcome"],
      deploys.map((d) => [
        code(d.service),
        d.before ? code(d.before) : "",
        d.deployed ? code(d.deployed) : "",
        d.after ? code(d.after) : "",
        `${DEPLOY_MARK[d.status]}${d.failure ? `: ${d.failure}` : ""} (${formatDuration(d.durationMs)})`,
      ]),
    ),
  ];
}

/** What the pipeline checked: tests with coverage and Terraform findings, as lines. */
function checkLines(record: RunRecord): string[] {
  const lines = [];
  if (record.tests) lines.push(testsLine(record.tests));
  if (record.terraform) lines.push(terraformLine(record.terraform));
  return lines.length ? ["", lines.join("<br>\n")] : [];
}

/** The job summary: outcome, every step, checks, plan counts, images, services, failures. */
export function renderSummary(record: RunRecord): string {
  const out = [`## ${headline(record)}`];
  const facts = [
    record.env && `environment ${code(record.env)}`,
    record.commit && `commit ${code(record.commit.slice(0, 12))}`,
  ];
  if (facts.some(Boolean)) out.push("", facts.filter(Boolean).join(" · "));
  out.push("", ...stepsTable(record.steps), ...checkLines(record));
  if (record.plan) out.push("", ...planLines(record.plan));
  if (record.images?.length) out.push("", ...imageLines(record.images));
  if (record.deploys?.length) out.push("", ...deployLines(record.deploys));
  out.push(...failures(record.steps));
  return `${out.join("\n")}\n`;
}

/**
 * The check results a pull-request comment (or merge-request note) shows above the plan:
 * the steps that ran, tests with coverage, Terraform findings, and why anything failed.
 */
export function renderChecks(record: RunRecord): string {
  const checks = record.steps.filter((s) => s.name !== "comment");
  const out = [`### Checks: ${headline(record)}`, "", ...stepsTable(checks), ...checkLines(record)];
  out.push(...failures(checks));
  return `${out.join("\n")}\n`;
}
