import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAttestation, type ScanAttestation } from "./attestation.js";

/**
 * The scan attestations of a pushed image, kept in its repository next to it (the way cosign
 * keeps signatures: a tag derived from the digest, `sha256-<hex>.scan`), so a later run that
 * finds the tag taken by an earlier build can tell whether that build passed its scan.
 * Stored as a one-config, no-layer OCI image whose config carries the attestations in a label.
 */
export const SCAN_LABEL = "dev.ecs-pipeline.scan-attestations";

export function scanRecordTag(digest: string): string {
  return `${digest.replace(":", "-")}.scan`;
}

/** Writes the record as an OCI layout (to push with skopeo); returns its directory. */
export async function writeScanRecord(
  attestations: ScanAttestation[],
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-pipeline-scan-record-"));
  const blobs = path.join(dir, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const put = async (body: Buffer, mediaType: string) => {
    const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
    await writeFile(path.join(blobs, digest.slice(7)), body);
    return { mediaType, digest, size: body.length };
  };
  const config = await put(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        config: { Labels: { [SCAN_LABEL]: JSON.stringify(attestations) } },
        rootfs: { type: "layers", diff_ids: [] },
      }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifestType = "application/vnd.oci.image.manifest.v1+json";
  const manifest = await put(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: manifestType, config, layers: [] })),
    manifestType,
  );
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(path.join(dir, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [manifest] }));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The attestations in a record's image config; [] when the config carries none. */
export function readScanRecord(configJson: string): ScanAttestation[] {
  try {
    const labels = (JSON.parse(configJson) as { config?: { Labels?: Record<string, string> } }).config?.Labels;
    const list = JSON.parse(labels?.[SCAN_LABEL] ?? "[]") as unknown[];
    return list.map((a) => parseAttestation(JSON.stringify(a))).filter((a): a is ScanAttestation => a !== undefined);
  } catch {
    return [];
  }
}
