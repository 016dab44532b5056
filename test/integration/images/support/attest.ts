import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ScanAttestation } from "../../../../src/images/attestation.js";
import {
  attachAttestations,
  attestationTag,
  platformImages,
  writeAttestationLayout,
} from "../../../../src/images/attested.js";
import { manifestDigest, skopeoClient } from "../../../../src/images/skopeo.js";

const plain = { authFile: undefined, tlsVerify: false };

/**
 * What publish does after pushing: attaches a scan attestation for every platform image of
 * `host/repository:reference` (passing unless `passed` is false) to it in that registry.
 */
export async function attest(host: string, repository: string, reference: string, passed = true): Promise<void> {
  const registry = skopeoClient();
  const image = { registry: host, repository, reference };
  const raw = await registry.manifest(image, plain);
  if (!raw) throw new Error(`no image ${host}/${repository}:${reference}`);
  const attestations: ScanAttestation[] = (await platformImages(registry, image, raw, plain)).map((p) => ({
    kind: "ecs-pipeline/scan-attestation",
    version: 1,
    imageId: p.imageId,
    artifact: `${repository} ${p.platform}`,
    passed,
    threshold: "CRITICAL",
    scannedAt: "2026-12-03T10:00:00.000Z",
    counts: { blocking: passed ? 0 : 2, ignored: 0, below: 1 },
  }));
  if (passed) {
    await attachAttestations({ registry, image, access: plain, attestations });
    return;
  }
  // attachAttestations refuses failing verdicts, as publish does; a test writes them directly.
  const dir = await mkdtemp(path.join(tmpdir(), "failing-attestation-"));
  const digest = manifestDigest(raw);
  await writeAttestationLayout(
    dir,
    { digest, mediaType: "application/vnd.oci.image.index.v1+json", size: raw.length },
    attestations,
  );
  await registry.push(dir, { ...image, reference: attestationTag(digest) }, plain);
  await rm(dir, { recursive: true, force: true });
}
