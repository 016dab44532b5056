import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";
import { parseIgnoreFile, type IgnoreEntry } from "../images/ignore.js";
import { readTarballImage } from "../images/image-id.js";
import { scanGate, writeScanOutputs } from "../images/scan.js";
import { parseSeverity } from "../images/severity.js";
import { runTrivy } from "../images/trivy.js";
import { type Command, type CommandIO, optionalString, type OptionValues, requireString } from "./command.js";

/** Exit code when the scan ran and the gate said no (distinct from errors: 2-4, 70). */
export const GATE_FAILED = 1;

const gateOptions = {
  image: { type: "string" },
  artifact: { type: "string" },
  threshold: { type: "string", default: "CRITICAL" },
  "ignore-file": { type: "string" },
  "out-dir": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/**
 * The gate on a report Trivy already wrote: what scanImage runs after Trivy in its own
 * container. Writes report.sarif, report.json and the attestation; exit 1 when it fails.
 */
export const scanGateCommand: Command = {
  name: "scan-gate",
  summary:
    "Gate a Trivy JSON report: fail at or above a severity, honour expiring ignores, write SARIF/JSON/attestation",
  usage:
    "scan-gate --report TRIVY.json [--image IMAGE.tar] [--artifact LABEL] [--threshold CRITICAL] [--ignore-file FILE] [--out-dir DIR] [--json]",
  options: { report: { type: "string" }, ...gateOptions },
  async run(values, _positionals, io) {
    const report = path.resolve(io.cwd, requireString(values, "report", "scan-gate"));
    return gate(values, { text: await readInput(report, "Trivy report"), name: `Trivy report ${report}` }, io);
  },
};

/** Trivy on the host, then the same gate: for laptops and CI without Dagger. */
export const scanImageCommand: Command = {
  name: "scan-image",
  summary: "Scan an image tarball with Trivy (offline-capable, DB mirror, persistent cache), then apply the gate",
  usage:
    "scan-image --image IMAGE.tar --cache-dir DIR [--offline] [--db-repository REPO] [--trivy PATH] [scan-gate options]",
  options: {
    ...gateOptions,
    "cache-dir": { type: "string" },
    offline: { type: "boolean", default: false },
    "db-repository": { type: "string" },
    trivy: { type: "string" },
  },
  async run(values, _positionals, io) {
    const input = path.resolve(io.cwd, requireString(values, "image", "scan-image"));
    const outDir = path.resolve(io.cwd, optionalString(values, "out-dir") ?? ".");
    const output = path.join(outDir, "trivy.json");
    await checkOutDirectory(outDir);
    await mkdir(outDir, { recursive: true });
    io.log(`Scanning ${input} with Trivy...`);
    await runTrivy({
      input,
      output,
      cacheDir: path.resolve(io.cwd, requireString(values, "cache-dir", "scan-image")),
      offline: values.offline === true,
      dbRepository: optionalString(values, "db-repository"),
      trivy: optionalString(values, "trivy") ?? "trivy",
    });
    return gate(values, { text: await readInput(output, "Trivy report"), name: `Trivy's report ${output}` }, io);
  },
};

async function gate(values: OptionValues, report: { text: string; name: string }, io: CommandIO): Promise<number> {
  const outDir = path.resolve(io.cwd, optionalString(values, "out-dir") ?? ".");
  await checkOutDirectory(outDir);
  const imageFile = optionalString(values, "image");
  const image = imageFile ? await readTarballImage(path.resolve(io.cwd, imageFile)) : undefined;
  const result = scanGate({
    reportText: report.text,
    reportName: report.name,
    ignores: await readIgnores(optionalString(values, "ignore-file"), io.cwd),
    threshold: parseSeverity(String(values.threshold ?? "CRITICAL")),
    artifact: optionalString(values, "artifact") ?? (imageFile ? path.basename(imageFile) : "image"),
    imageId: image?.imageId,
    now: new Date(),
  });
  const files = await writeScanOutputs(outDir, result);
  io.log(result.table);
  if (values.json) {
    io.out(JSON.stringify({ passed: result.gate.passed, files, attestation: result.attestation }, null, 2));
  } else {
    io.out(`${result.gate.passed ? "passed" : "failed"}: reports in ${path.dirname(files.sarif)}`);
  }
  return result.gate.passed ? 0 : GATE_FAILED;
}

async function readIgnores(file: string | undefined, cwd: string): Promise<IgnoreEntry[]> {
  if (!file) return [];
  return parseIgnoreFile(await readInput(path.resolve(cwd, file), "ignore file"), file);
}

async function readInput(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw userError(
      "images.input-missing",
      `Failed to read ${what} ${file}: ${(err as Error).message}`,
      `Check the path of the ${what}.`,
    );
  }
}

/** --out-dir may be absent (it is created) or a directory; a file there is refused before any work. */
async function checkOutDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw userError(
      "cli.bad-output",
      `--out-dir: ${dir} is a file, not a directory`,
      "Pass --out-dir with a directory (it is created when missing).",
    );
  }
}
