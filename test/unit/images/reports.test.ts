import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findingsFromReport, parseTrivyReport } from "../../../src/images/findings.js";
import { evaluateGate } from "../../../src/images/gate.js";
import { parseIgnoreFile } from "../../../src/images/ignore.js";
import { renderSarif } from "../../../src/images/sarif.js";
import { renderGateTable } from "../../../src/images/table.js";
import { scanGate } from "../../../src/images/scan.js";
import { sarifErrors } from "./fixtures/sarif-schema.js";

const reportText = readFileSync(new URL("./fixtures/trivy-report.json", import.meta.url), "utf8");
const findings = findingsFromReport(parseTrivyReport(reportText));
const now = new Date("2026-06-01T12:00:00Z");
const ignores = parseIgnoreFile(
  "vulnerabilities:\n  - id: CVE-2099-0002\n    expired_at: 2026-12-31\n    statement: not reachable\n",
  "f",
);

describe("the console table", () => {
  it("lists each finding with its verdict and ends with one result line", () => {
    const gate = evaluateGate(findings, { threshold: "CRITICAL", ignores, now });
    const table = renderGateTable(gate, "mcpo linux/amd64");
    const lines = table.split("\n");
    expect(lines[0]).toBe("Scan of mcpo linux/amd64 (fail at CRITICAL or above)");
    expect(lines[1]).toMatch(/^SEVERITY\s+ID\s+PACKAGE\s+INSTALLED\s+FIXED\s+VERDICT\s+TITLE$/);
    expect(lines[2]).toMatch(/^CRITICAL\s+CVE-2099-0001\s+busybox\s+1\.36\.1-r28\s+1\.36\.1-r29\s+BLOCKS\s+busybox:/);
    expect(table).toContain("ignored until 2026-12-31");
    expect(lines.at(-1)).toBe("FAILED: 1 finding at or above CRITICAL (1 ignored, 1 below CRITICAL).");
  });

  it("says so when the image is clean", () => {
    const gate = evaluateGate([], { threshold: "HIGH", ignores: [], now });
    expect(renderGateTable(gate, "x")).toContain("No vulnerabilities found.\nPASSED: no findings at or above HIGH");
  });
});

describe("the SARIF report", () => {
  const gate = evaluateGate(findings, { threshold: "HIGH", ignores, now });
  const sarif = renderSarif(gate, { artifact: "mcpo (linux/amd64)", trivyVersion: "0.74.0" });

  it("is valid SARIF 2.1.0 according to the official schema", () => {
    expect(sarifErrors(sarif)).toEqual([]);
  });

  it("has one rule per vulnerability and marks blocking, ignored and lower findings differently", () => {
    const run = sarif.runs[0];
    expect(run?.tool.driver.rules?.map((r) => r.id)).toEqual(["CVE-2099-0001", "CVE-2099-0002", "CVE-2099-0003"]);
    const byId = Object.fromEntries((run?.results ?? []).map((r) => [r.ruleId, r]));
    expect(byId["CVE-2099-0001"]?.level).toBe("error");
    expect(byId["CVE-2099-0002"]?.suppressions).toEqual([{ kind: "external", justification: "not reachable" }]);
    expect(byId["CVE-2099-0003"]?.level).toBe("warning");
    expect(run?.tool.driver.rules?.[0]?.properties?.["security-severity"]).toBe("9.5");
  });

  it("would be caught by the schema check if it were malformed", () => {
    expect(sarifErrors({ ...sarif, version: "2.0.0" }).length).toBeGreaterThan(0);
  });
});

describe("scanGate", () => {
  it("refuses a report about a different image than the tarball scanned", () => {
    expect(() =>
      scanGate({ reportText, ignores: [], threshold: "HIGH", artifact: "x", imageId: `sha256:${"2".repeat(64)}`, now }),
    ).toThrow(/the Trivy report is about image sha256:1111/);
  });

  it("records the verdict for the image the report is about", () => {
    const result = scanGate({ reportText, ignores: [], threshold: "HIGH", artifact: "x", imageId: undefined, now });
    expect(result.attestation).toMatchObject({
      imageId: `sha256:${"1".repeat(64)}`,
      passed: false,
      threshold: "HIGH",
      counts: { blocking: 2, ignored: 0, below: 1 },
    });
  });
});
