import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { findingsFromReport, parseTrivyReport } from "../../../src/images/findings.js";
import { evaluateGate } from "../../../src/images/gate.js";
import { parseIgnoreFile } from "../../../src/images/ignore.js";
import { parseSeverity } from "../../../src/images/severity.js";
import { PipelineError } from "../../../src/errors.js";

const reportText = readFileSync(new URL("./fixtures/trivy-report.json", import.meta.url), "utf8");
const findings = findingsFromReport(parseTrivyReport(reportText));
const now = new Date("2026-06-01T12:00:00Z");

describe("reading Trivy's JSON report", () => {
  it("flattens every vulnerability into a finding, worst first, and treats null results as none", () => {
    expect(findings.map((f) => `${f.severity} ${f.id} ${f.pkgName}`)).toEqual([
      "CRITICAL CVE-2099-0001 busybox",
      "HIGH CVE-2099-0002 zlib",
      "LOW CVE-2099-0003 musl",
    ]);
    expect(findings[1]).toMatchObject({ fixedVersion: "1.3.1-r1", target: "mcpo.tar (alpine 3.20.3)" });
    expect(findings[2]?.fixedVersion).toBeUndefined();
  });

  it("refuses a report it cannot read instead of reading it as clean", () => {
    expect(() => parseTrivyReport("{}")).toThrow(/Failed to read Trivy report: SchemaVersion/);
    expect(() => parseTrivyReport("not json")).toThrow(PipelineError);
  });

  it("reads a severity in another case as that severity, so `critical` still blocks", () => {
    for (const spelled of ["critical", "Critical", " CRITICAL "]) {
      const text = reportText.replace('"Severity": "LOW"', `"Severity": ${JSON.stringify(spelled)}`);
      const gate = evaluateGate(findingsFromReport(parseTrivyReport(text)), {
        threshold: "CRITICAL",
        ignores: [],
        now,
      });
      expect(gate.blocking.map((f) => f.id)).toEqual(["CVE-2099-0001", "CVE-2099-0003"]);
    }
  });

  it("refuses a report whose finding has a missing or unknown severity instead of letting it pass", () => {
    const unknown = reportText.replace('"Severity": "LOW"', '"Severity": "NEGLIGIBLE"');
    expect(() => parseTrivyReport(unknown)).toThrow(/Severity: found "NEGLIGIBLE", expected one of UNKNOWN, LOW/);
    const missing = reportText.replace(',\n          "Severity": "LOW"', "");
    expect(() => parseTrivyReport(missing)).toThrow(/Severity: found nothing/);
  });

  it("blocks a finding Trivy rates UNKNOWN at any threshold: unrated may be critical", () => {
    const text = reportText.replace('"Severity": "LOW"', '"Severity": "UNKNOWN"');
    const gate = evaluateGate(findingsFromReport(parseTrivyReport(text)), { threshold: "CRITICAL", ignores: [], now });
    expect(gate.blocking.map((f) => `${f.severity} ${f.id}`)).toEqual([
      "CRITICAL CVE-2099-0001",
      "UNKNOWN CVE-2099-0003",
    ]);
  });
});

describe("the severity gate", () => {
  it("fails on a finding at the threshold and names only those findings as blocking", () => {
    const gate = evaluateGate(findings, { threshold: "CRITICAL", ignores: [], now });
    expect(gate.passed).toBe(false);
    expect(gate.blocking.map((f) => f.id)).toEqual(["CVE-2099-0001"]);
    expect(gate.below.map((f) => f.id)).toEqual(["CVE-2099-0002", "CVE-2099-0003"]);
  });

  it("fails on findings above the threshold too", () => {
    const gate = evaluateGate(findings, { threshold: "HIGH", ignores: [], now });
    expect(gate.blocking.map((f) => f.id)).toEqual(["CVE-2099-0001", "CVE-2099-0002"]);
  });

  it("passes when every finding is below the threshold", () => {
    const onlyLow = findings.filter((f) => f.severity === "LOW");
    expect(evaluateGate(onlyLow, { threshold: "MEDIUM", ignores: [], now }).passed).toBe(true);
  });

  it("suppresses a finding with a live ignore entry, and counts it again once the entry expires", () => {
    const ignores = parseIgnoreFile(
      "vulnerabilities:\n  - id: CVE-2099-0001\n    expired_at: 2026-07-01\n    statement: wget is not in the image path\n",
      ".trivyignore.yaml",
    );
    const before = evaluateGate(findings, { threshold: "CRITICAL", ignores, now });
    expect(before.passed).toBe(true);
    expect(before.ignored.map((i) => i.finding.id)).toEqual(["CVE-2099-0001"]);
    const after = evaluateGate(findings, { threshold: "CRITICAL", ignores, now: new Date("2026-07-01T00:00:00Z") });
    expect(after.passed).toBe(false);
    expect(after.expired.map((e) => e.id)).toEqual(["CVE-2099-0001"]);
  });

  it("applies an entry restricted to packages only to those packages", () => {
    const ignores = parseIgnoreFile(
      "vulnerabilities:\n  - id: CVE-2099-0001\n    packages: [zlib]\n    statement: only zlib\n",
      "f",
    );
    const gate = evaluateGate(findings, { threshold: "CRITICAL", ignores, now });
    expect(gate.passed).toBe(false);
    expect(gate.unused.map((e) => e.id)).toEqual(["CVE-2099-0001"]);
  });
});

describe("the ignore file", () => {
  it("reads an empty file as no entries", () => {
    expect(parseIgnoreFile("", "f")).toEqual([]);
  });

  it("refuses an entry without a reason or with a date that is not a date, naming the field", () => {
    expect(() => parseIgnoreFile("vulnerabilities:\n  - id: CVE-1\n", "ign.yaml")).toThrow(
      /ign\.yaml:\n {2}- vulnerabilities\.0\.statement/,
    );
    expect(() =>
      parseIgnoreFile("vulnerabilities:\n  - id: CVE-1\n    statement: x\n    expired_at: next week\n", "f"),
    ).toThrow(/vulnerabilities\.0\.expired_at/);
  });
});

describe("the threshold a user types", () => {
  it("accepts any case and rejects unknown words with the valid ones listed", () => {
    expect(parseSeverity("high")).toBe("HIGH");
    expect(() => parseSeverity("severe")).toThrow(/UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL/);
  });
});
