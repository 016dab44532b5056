import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Log } from "sarif";
import { PipelineError } from "../errors.js";
import { createAttestation, type ScanAttestation } from "./attestation.js";
import { findingsFromReport, parseTrivyReport } from "./findings.js";
import { evaluateGate, type GateResult } from "./gate.js";
import type { IgnoreEntry } from "./ignore.js";
import { renderSarif } from "./sarif.js";
import type { Severity } from "./severity.js";
import { renderGateTable } from "./table.js";

export interface ScanGateOptions {
  /** Trivy's JSON report text. */
  reportText: string;
  /** How errors name the report, e.g. "Trivy report scans/trivy.json". */
  reportName?: string;
  ignores: IgnoreEntry[];
  threshold: Severity;
  /** Human label for what was scanned, e.g. "mcpo linux/arm64". */
  artifact: string;
  /** Config digest of the scanned tarball; when given, the report must be about that image. */
  imageId: string | undefined;
  now: Date;
}

export interface ScanGateResult {
  gate: GateResult;
  table: string;
  sarif: Log;
  attestation: ScanAttestation | undefined;
}

/** Trivy's JSON in, the verdict and every report out. No I/O: the CLI writes the files. */
export function scanGate(options: ScanGateOptions): ScanGateResult {
  const report = parseTrivyReport(options.reportText, options.reportName);
  const reported = report.Metadata?.ImageID;
  if (options.imageId && reported && reported !== options.imageId) {
    throw new PipelineError(
      `Failed to gate ${options.artifact}: the Trivy report is about image ${reported}, not ${options.imageId}`,
      { code: "images.report-mismatch", source: "user", hint: "Pass the report Trivy wrote for this tarball." },
    );
  }
  const gate = evaluateGate(findingsFromReport(report), {
    threshold: options.threshold,
    ignores: options.ignores,
    now: options.now,
  });
  const trivyVersion = report.Trivy?.Version;
  const imageId = options.imageId ?? reported;
  return {
    gate,
    table: renderGateTable(gate, options.artifact),
    sarif: renderSarif(gate, { artifact: options.artifact, trivyVersion }),
    attestation:
      imageId && /^sha256:[0-9a-f]{64}$/.test(imageId)
        ? createAttestation(gate, { imageId, artifact: options.artifact, now: options.now, trivyVersion })
        : undefined,
  };
}

export interface ScanOutputFiles {
  sarif: string;
  json: string;
  attestation: string | undefined;
}

/**
 * Writes report.sarif, report.json (the gate's verdict with every finding) and, when the
 * image is known, attestation-<id>.json: named by image so attestations of several scans
 * can share one directory.
 */
export async function writeScanOutputs(outDir: string, result: ScanGateResult): Promise<ScanOutputFiles> {
  await mkdir(outDir, { recursive: true });
  const files: ScanOutputFiles = {
    sarif: path.join(outDir, "report.sarif"),
    json: path.join(outDir, "report.json"),
    attestation: undefined,
  };
  await writeFile(files.sarif, `${JSON.stringify(result.sarif, null, 2)}\n`);
  await writeFile(files.json, `${JSON.stringify(gateJson(result), null, 2)}\n`);
  if (result.attestation) {
    files.attestation = path.join(outDir, `attestation-${result.attestation.imageId.slice(7, 19)}.json`);
    await writeFile(files.attestation, `${JSON.stringify(result.attestation, null, 2)}\n`);
  }
  return files;
}

function gateJson(result: ScanGateResult): unknown {
  const { gate } = result;
  return {
    passed: gate.passed,
    threshold: gate.threshold,
    imageId: result.attestation?.imageId,
    blocking: gate.blocking,
    ignored: gate.ignored.map(({ finding, entry }) => ({
      ...finding,
      ignoredBecause: entry.statement,
      ignoredUntil: entry.expiresAt,
    })),
    below: gate.below,
    expiredIgnores: gate.expired.map((e) => e.id),
    unusedIgnores: gate.unused.map((e) => e.id),
  };
}
