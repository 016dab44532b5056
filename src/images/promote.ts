import { userError, PipelineError } from "../errors.js";
import { attestationProblems, attestationTag } from "./attested.js";
import { formatRef, manifestDigest, type ImageRef, type RegistryAccess, type RegistryClient } from "./skopeo.js";

export interface PromoteOptions {
  /** The image as it is in the source environment's registry: a tag or a digest. */
  source: ImageRef;
  /** Destination registry and repository; `tags` are set on the copied digest. */
  destination: { registry: string; repository: string; tags: string[] };
  /** When set, the source must resolve to exactly this digest. */
  expectDigest: string | undefined;
  sourceAccess: RegistryAccess;
  destinationAccess: RegistryAccess;
  dryRun: boolean;
  /** Promote even without passing scan attestations in the source registry (never by default). */
  allowUnattested?: boolean;
  registry: RegistryClient;
  onProgress: (event: PromoteEvent) => void;
}

export type PromoteEvent =
  | { kind: "resolved"; source: string; digest: string; platforms: string[] }
  | { kind: "attested"; platforms: number }
  | { kind: "unattested-allowed"; reason: string }
  | { kind: "present"; destination: string }
  | { kind: "copying"; destination: string }
  | { kind: "verified"; destination: string; digest: string };

export interface PromoteResult {
  digest: string;
  platforms: string[];
  /** destination registry/repository@digest */
  reference: string;
  tags: string[];
  /** False when the destination already had this digest under every tag: nothing was copied. */
  changed: boolean;
  dryRun: boolean;
}

/**
 * Copies one image, every platform, from one registry to another by digest, and proves it
 * arrived unchanged. Reads as a script: resolve the source, stop if already there, stop on
 * dry-run, copy, verify. Never builds anything.
 */
export async function promote(o: PromoteOptions): Promise<PromoteResult> {
  const raw = await o.registry.manifest(o.source, o.sourceAccess);
  if (!raw) {
    throw userError(
      "images.source-missing",
      `Failed to promote ${formatRef(o.source)}: no such image in the source registry`,
      "Publish it to the source environment first (publish), or check the commit/digest you passed.",
    );
  }
  const digest = manifestDigest(raw);
  if (o.expectDigest && o.expectDigest !== digest) {
    throw userError(
      "images.digest-mismatch",
      `Failed to promote ${formatRef(o.source)}: it resolves to ${digest}, not the expected ${o.expectDigest}`,
      "The tag moved since that digest was recorded; promote by digest, or re-check what runs in the source environment.",
    );
  }
  const platforms = platformsOf(raw);
  o.onProgress({ kind: "resolved", source: formatRef(o.source), digest, platforms });
  const attestation = await checkAttested(o, digest, raw);
  const target = { registry: o.destination.registry, repository: o.destination.repository };
  const byDigest = { ...target, reference: digest };
  const result: PromoteResult = {
    digest,
    platforms,
    reference: formatRef(byDigest),
    tags: o.destination.tags,
    changed: false,
    dryRun: o.dryRun,
  };
  const missingTags = await tagsNotAt(o, digest);
  const attestationMissing = attestation !== undefined && !(await attestationAt(o, digest, attestation));
  if (missingTags.length === 0 && !attestationMissing) {
    o.onProgress({ kind: "present", destination: result.reference });
    return result;
  }
  result.changed = true;
  if (o.dryRun) return result;
  for (const tag of missingTags) {
    const to = { ...target, reference: tag };
    o.onProgress({ kind: "copying", destination: formatRef(to) });
    await o.registry.copy(byDigestSource(o.source, digest), to, { from: o.sourceAccess, to: o.destinationAccess });
  }
  if (attestationMissing) {
    const tag = attestationTag(digest);
    o.onProgress({ kind: "copying", destination: formatRef({ ...target, reference: tag }) });
    await o.registry.copy(
      { ...o.source, reference: tag },
      { ...target, reference: tag },
      {
        from: o.sourceAccess,
        to: o.destinationAccess,
      },
    );
  }
  await verify(o, byDigest, digest, platforms);
  return result;
}

/**
 * Re-checks, before anything is copied, that every platform image of the source has a passing
 * scan attestation of its exact bytes in the source registry. Returns the attestation
 * artifact's digest (undefined when knowingly allowed without).
 */
async function checkAttested(o: PromoteOptions, digest: string, raw: Buffer): Promise<string | undefined> {
  const repo = { registry: o.source.registry, repository: o.source.repository };
  const { images, problems, artifactDigest } = await attestationProblems(o.registry, repo, digest, raw, o.sourceAccess);
  if (problems.length === 0) {
    o.onProgress({ kind: "attested", platforms: images.length });
    return artifactDigest;
  }
  if (o.allowUnattested) {
    o.onProgress({ kind: "unattested-allowed", reason: problems.join("; ") });
    return undefined;
  }
  throw userError(
    "images.unattested",
    `Failed to promote ${formatRef(o.source)} (${digest}): ${problems.join("; ")}`,
    "Promote only images publish pushed after a passing scanImage; nothing was copied.",
  );
}

/** True when the destination already holds the same attestation artifact for `digest`. */
async function attestationAt(o: PromoteOptions, digest: string, artifactDigest: string): Promise<boolean> {
  const at = {
    registry: o.destination.registry,
    repository: o.destination.repository,
    reference: attestationTag(digest),
  };
  const raw = await o.registry.manifest(at, o.destinationAccess);
  return raw !== undefined && manifestDigest(raw) === artifactDigest;
}

/** Tags (and the digest itself) at the destination that do not yet point at `digest`. */
async function tagsNotAt(o: PromoteOptions, digest: string): Promise<string[]> {
  const target = { registry: o.destination.registry, repository: o.destination.repository };
  const missing: string[] = [];
  for (const tag of o.destination.tags) {
    const raw = await o.registry.manifest({ ...target, reference: tag }, o.destinationAccess);
    if (!raw || manifestDigest(raw) !== digest) missing.push(tag);
  }
  return missing;
}

async function verify(o: PromoteOptions, at: ImageRef, digest: string, platforms: string[]): Promise<void> {
  const raw = await o.registry.manifest(at, o.destinationAccess);
  const arrived = raw ? manifestDigest(raw) : "nothing";
  const missing = await tagsNotAt(o, digest);
  if (arrived !== digest || missing.length > 0 || (raw && platformsOf(raw).join() !== platforms.join())) {
    throw new PipelineError(
      `Failed to verify ${formatRef(at)} after copying: found ${arrived}${missing.length ? `, tags not at the digest: ${missing.join(", ")}` : ""}`,
      {
        code: "images.promote-unverified",
        source: "tool",
        hint: "The destination registry rewrote the manifest; check it accepts OCI indexes and that nothing else pushes these tags.",
      },
    );
  }
  o.onProgress({ kind: "verified", destination: formatRef(at), digest });
}

function byDigestSource(source: ImageRef, digest: string): ImageRef {
  return { ...source, reference: digest };
}

/** "os/arch[/variant]" of each image in an index; empty for a single-image manifest. */
export function platformsOf(raw: Buffer): string[] {
  const doc = JSON.parse(raw.toString("utf8")) as {
    manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
  };
  return (doc.manifests ?? [])
    .map((m) => m.platform)
    .filter((p): p is { os: string; architecture: string; variant?: string } => !!p?.os && !!p.architecture)
    .filter((p) => p.os !== "unknown")
    .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"));
}
