import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { userError } from "../errors.js";
import { parseAttestation, type ScanAttestation } from "./attestation.js";
import { formatRef, manifestDigest, type ImageRef, type RegistryAccess, type RegistryClient } from "./skopeo.js";

/**
 * Scan attestations travel with the image in the registry: publish pushes them as one OCI
 * artifact whose `subject` is the image index, tagged `sha256-<hex>.scan` (the tag schema the
 * OCI distribution spec 1.1 gives registries without the referrers API; ECR and Debian's
 * registry 2.8 both take it), one layer per platform's attestation. A promotion reads them
 * back and re-checks them against the exact images it copies, before any change.
 */
export const ARTIFACT_TYPE = "application/vnd.ecs-pipeline.scan-attestations.v1+json";
export const LAYER_TYPE = "application/vnd.ecs-pipeline.scan-attestation.v1+json";
const EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** The tag the attestations of the image `digest` live under, in the image's repository. */
export function attestationTag(digest: string): string {
  return digest.replace(":", "-") + ".scan";
}

const descriptor = z.object({ mediaType: z.string().optional(), digest: z.string(), size: z.number().optional() });
const index = z.object({
  mediaType: z.string().optional(),
  manifests: z
    .array(descriptor.extend({ platform: z.object({ os: z.string(), architecture: z.string() }).optional() }))
    .optional(),
  config: descriptor.optional(),
});
const artifact = z.object({ artifactType: z.string().optional(), layers: z.array(descriptor) });

/** The platform images of an index (or the single image), each with its config digest (the image ID). */
export async function platformImages(
  registry: RegistryClient,
  at: ImageRef,
  raw: Buffer,
  access: RegistryAccess,
): Promise<{ platform: string; imageId: string }[]> {
  const doc = index.parse(JSON.parse(raw.toString("utf8")));
  if (doc.config) return [{ platform: "single image", imageId: doc.config.digest }];
  const out: { platform: string; imageId: string }[] = [];
  for (const m of doc.manifests ?? []) {
    if (!m.platform || m.platform.os === "unknown") continue; // buildkit's own attestations
    const child = await registry.manifest({ ...at, reference: m.digest }, access);
    const config = child ? index.parse(JSON.parse(child.toString("utf8"))).config : undefined;
    if (!config) throw userError("images.manifest-missing", `Failed to read ${m.digest} of ${formatRef(at)}`);
    out.push({ platform: `${m.platform.os}/${m.platform.architecture}`, imageId: config.digest });
  }
  return out;
}

/** The attestations pushed for the image `digest`, or undefined when there are none. */
export async function readAttestations(
  registry: RegistryClient,
  repo: Omit<ImageRef, "reference">,
  digest: string,
  access: RegistryAccess,
): Promise<{ attestations: ScanAttestation[]; manifestDigest: string } | undefined> {
  const ref = { ...repo, reference: attestationTag(digest) };
  const raw = await registry.manifest(ref, access);
  if (!raw) return undefined;
  const doc = artifact.parse(JSON.parse(raw.toString("utf8")));
  const dir = await mkdtemp(path.join(tmpdir(), "attestations-"));
  try {
    await registry.pull(ref, dir, access);
    const attestations: ScanAttestation[] = [];
    for (const layer of doc.layers.filter((l) => l.mediaType === LAYER_TYPE)) {
      const parsed = parseAttestation(await readFile(path.join(dir, layer.digest.replace(/^sha256:/, "")), "utf8"));
      if (parsed) attestations.push(parsed);
    }
    return { attestations, manifestDigest: manifestDigest(raw) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Which platform images lack a passing attestation of their exact bytes (empty: all attested). */
export function unattested(
  images: { platform: string; imageId: string }[],
  attestations: ScanAttestation[],
): { platform: string; imageId: string; reason: string }[] {
  return images.flatMap((image) => {
    const matching = attestations.filter((a) => a.imageId === image.imageId);
    if (matching.some((a) => a.passed)) return [];
    const failed = matching[0];
    const reason = failed
      ? `its scan failed the gate (${failed.counts.blocking} finding(s) at or above ${failed.threshold})`
      : "no attestation names this image";
    return [{ ...image, reason }];
  });
}

/**
 * Why the image `digest` (manifest bytes `raw`) in `repo` is not fully attested: one line per
 * platform image without a passing scan of its exact bytes, or the missing artifact; empty when
 * all passed. Promote and deploy's pre-flight both gate on it.
 */
export async function attestationProblems(
  registry: RegistryClient,
  repo: Omit<ImageRef, "reference">,
  digest: string,
  raw: Buffer,
  access: RegistryAccess,
): Promise<{ images: { platform: string; imageId: string }[]; problems: string[]; artifactDigest?: string }> {
  const stored = await readAttestations(registry, repo, digest, access);
  const images = await platformImages(registry, { ...repo, reference: digest }, raw, access);
  const problems = stored
    ? unattested(images, stored.attestations).map((m) => `${m.platform} (${m.imageId}): ${m.reason}`)
    : [`no scan attestations (${formatRef({ ...repo, reference: attestationTag(digest) })} does not exist)`];
  return { images, problems, ...(stored ? { artifactDigest: stored.manifestDigest } : {}) };
}

/** Writes an OCI layout holding one artifact: the attestations, with the image as subject. */
export async function writeAttestationLayout(
  dir: string,
  subject: { digest: string; mediaType: string; size: number },
  attestations: ScanAttestation[],
): Promise<void> {
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  const blob = async (bytes: Buffer) => {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    await writeFile(path.join(dir, "blobs", "sha256", digest.slice(7)), bytes);
    return { digest, size: bytes.length };
  };
  const config = await blob(Buffer.from("{}"));
  const layers = [];
  for (const a of attestations) layers.push({ mediaType: LAYER_TYPE, ...(await blob(Buffer.from(JSON.stringify(a)))) });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: ARTIFACT_TYPE,
      config: { mediaType: EMPTY_CONFIG, ...config },
      layers,
      subject,
    }),
  );
  const m = await blob(manifest);
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...m }] }),
  );
}

export interface AttachOptions {
  registry: RegistryClient;
  /** The image, by tag or digest. */
  image: ImageRef;
  access: RegistryAccess;
  /** Every attestation at hand; those of the image's platforms are attached. */
  attestations: ScanAttestation[];
}

/**
 * Attaches the passing attestations of every platform of `image` to it in the registry.
 * Refuses (before pushing anything) when a platform has none: publish checked them already,
 * so that means the registry holds other bytes than were scanned.
 */
export async function attachAttestations(o: AttachOptions): Promise<{ digest: string; tag: string }> {
  const raw = await o.registry.manifest(o.image, o.access);
  if (!raw)
    throw userError("images.source-missing", `Failed to attach attestations: ${formatRef(o.image)} does not exist`);
  const digest = manifestDigest(raw);
  const images = await platformImages(o.registry, o.image, raw, o.access);
  const missing = unattested(images, o.attestations);
  if (missing.length > 0) {
    throw userError(
      "images.unscanned",
      `Failed to attach attestations to ${formatRef(o.image)}: ${missing.map((m) => `${m.platform} (${m.imageId}): ${m.reason}`).join("; ")}`,
      "Publish exactly the images scanImage attested.",
    );
  }
  const ids = new Set(images.map((i) => i.imageId));
  const chosen = o.attestations.filter((a) => a.passed && ids.has(a.imageId));
  const mediaType =
    index.parse(JSON.parse(raw.toString("utf8"))).mediaType ?? "application/vnd.oci.image.index.v1+json";
  const dir = await mkdtemp(path.join(tmpdir(), "attest-layout-"));
  try {
    await writeAttestationLayout(dir, { digest, mediaType, size: raw.length }, chosen);
    const tag = attestationTag(digest);
    await o.registry.push(dir, { ...o.image, reference: tag }, o.access);
    return { digest, tag };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
