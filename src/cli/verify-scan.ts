import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";
import { parseAttestation, verifyScans, type ScanAttestation } from "../images/attestation.js";
import { readTarballImage } from "../images/image-id.js";
import { listOption, optionalString, type Command } from "./command.js";

/**
 * publish's gate: every image tarball about to be pushed must have a passing scan
 * attestation for exactly its bytes (its config digest). --allow-unscanned bypasses it,
 * loudly.
 */
export const verifyScanCommand: Command = {
  name: "verify-scan",
  summary: "Refuse images without a passing scanImage attestation (publish runs this before pushing)",
  usage: "verify-scan --image LABEL=IMAGE.tar [--image ...] [--attestations DIR] [--allow-unscanned] [--json]",
  options: {
    image: { type: "string", multiple: true },
    attestations: { type: "string" },
    "allow-unscanned": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const specs = listOption(values, "image");
    if (specs.length === 0) {
      throw userError(
        "cli.missing-option",
        "verify-scan: missing required option --image",
        `Usage: ecs-pipeline ${verifyScanCommand.usage}`,
      );
    }
    const images = [];
    for (const spec of specs) {
      const eq = spec.indexOf("=");
      const [artifact, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [path.basename(spec), spec];
      images.push({ artifact, imageId: (await readTarballImage(path.resolve(io.cwd, file))).imageId });
    }
    const dir = optionalString(values, "attestations");
    const attestations = dir ? await readAttestationDir(path.resolve(io.cwd, dir)) : [];
    const result = verifyScans({ images, attestations, allowUnscanned: values["allow-unscanned"] === true });
    for (const v of result.verified) io.log(`scanned: ${v.artifact} (${v.imageId}) passed at ${v.scannedAt}`);
    for (const b of result.bypassed) io.log(`WARNING: pushing ${b.artifact} (${b.imageId}) unscanned: ${b.reason}`);
    io.out(
      values.json
        ? JSON.stringify(result, null, 2)
        : `${result.verified.length} verified, ${result.bypassed.length} bypassed`,
    );
    return 0;
  },
};

/** Every attestation (*.json that parses as one) under `dir`, recursively. */
export async function readAttestationDir(dir: string): Promise<ScanAttestation[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw userError(
      "images.attestations-missing",
      `Failed to read attestations in ${dir}: ${(err as Error).message}`,
      "Pass --attestations with the directory scanImage wrote its attestation-*.json files to.",
    );
  }
  const found: ScanAttestation[] = [];
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith(".json")) continue;
    const a = parseAttestation(await readFile(path.join(e.parentPath, e.name), "utf8"));
    if (a) found.push(a);
  }
  return found;
}
