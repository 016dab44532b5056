import type { Finding } from "./findings.js";
import type { GateResult } from "./gate.js";

const MAX_TITLE = 60;

interface Row {
  severity: string;
  id: string;
  pkg: string;
  installed: string;
  fixed: string;
  verdict: string;
  title: string;
}

/** The gate's verdict as a table a person reads in a CI log, worst findings first. */
export function renderGateTable(result: GateResult, artifact: string): string {
  const rows: Row[] = [
    ...result.blocking.map((f) => row(f, "BLOCKS")),
    ...result.ignored.map(({ finding, entry }) =>
      row(finding, entry.expiresAt ? `ignored until ${day(entry.expiresAt)}` : "ignored"),
    ),
    ...result.below.map((f) => row(f, "below threshold")),
  ];
  const lines = [`Scan of ${artifact} (fail at ${result.threshold} or above)`];
  if (rows.length === 0) lines.push("No vulnerabilities found.");
  else lines.push(...formatTable(rows));
  for (const e of result.expired) {
    lines.push(`Warning: ignore entry ${e.id} expired on ${day(e.expiresAt)}; its findings count again.`);
  }
  for (const e of result.unused) {
    lines.push(`Note: ignore entry ${e.id} matched nothing in this image.`);
  }
  lines.push(summaryLine(result));
  return lines.join("\n");
}

export function summaryLine(result: GateResult): string {
  const rest = `${result.ignored.length} ignored, ${result.below.length} below ${result.threshold}`;
  return result.passed
    ? `PASSED: no findings at or above ${result.threshold} (${rest}).`
    : `FAILED: ${result.blocking.length} finding${result.blocking.length === 1 ? "" : "s"} at or above ${result.threshold} (${rest}).`;
}

function row(f: Finding, verdict: string): Row {
  const title = f.title ?? "";
  return {
    severity: f.severity,
    id: f.id,
    pkg: f.pkgName,
    installed: f.installedVersion,
    fixed: f.fixedVersion ?? "-",
    verdict,
    title: title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 3)}...` : title,
  };
}

function formatTable(rows: Row[]): string[] {
  const header: Row = {
    severity: "SEVERITY",
    id: "ID",
    pkg: "PACKAGE",
    installed: "INSTALLED",
    fixed: "FIXED",
    verdict: "VERDICT",
    title: "TITLE",
  };
  const keys = Object.keys(header) as (keyof Row)[];
  const width = Object.fromEntries(keys.map((k) => [k, Math.max(...[header, ...rows].map((r) => r[k].length))]));
  const line = (r: Row) =>
    keys
      .map((k) => r[k].padEnd(width[k] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function day(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 10) : "never";
}
