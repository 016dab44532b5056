import { readFile } from "node:fs/promises";
import path from "node:path";
import { PipelineError, userError } from "../errors.js";
import type { ScanAttestation } from "./attestation.js";
import { openOciArchive } from "./oci-layout.js";
import { readScanRecord, scanRecordTag, writeScanRecord } from "./scan-record.js";
import { formatRef, type ImageRef } from "./skopeo.js";

/** The registry calls publishing needs (the real one runs skopeo: publish-registry.ts). */
export interface PublishRegistry {
  /** Raw manifest (or index) bytes of a reference, or undefined when it does not exist. */
  manifest(ref: ImageRef): Promise<Buffer | undefined>;
  /** The image config of a single-platform reference, as text, or undefined. */
  config(ref: ImageRef): Promise<string | undefined>;
  /** Pushes an OCI layout directory, every platform, digests preserved. */
  pushLayout(dir: string, to: ImageRef): Promise<void>;
  /** Points another tag at an image already in the repository. */
  copy(from: ImageRef, to: ImageRef): Promise<void>;
}

export interface PublishServiceOptions {
  service: string;
  registry: string;
  repository: string;
  tags: string[];
  /** Multi-platform OCI archive of this build. */
  archive: string;
  /** Attestations of this build's platforms (verify-scan has already required them). */
  attestations: ScanAttestation[];
  client: PublishRegistry;
  digestOf: (raw: Buffer) => string;
  onProgress: (message: string) => void;
}

export type PublishOutcome = "pushed" | "already-published" | "reused";

export interface PublishedImage {
  service: string;
  repository: string;
  /** The digest every tag points to now: this build's, or the earlier build's when reused. */
  digest: string;
  /** repository:tag@digest for each tag: what to deploy (a tag for people, the digest for ECS). */
  references: string[];
  outcome: PublishOutcome;
  /** This build's digest (differs from `digest` when an earlier build was reused). */
  built: string;
}

/**
 * Publishes one service's image so that re-running is safe under ECR tag immutability (a
 * pushed tag can never point elsewhere: ImageTagAlreadyExistsException, see
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html):
 * tags already on this digest are left alone; tags on another digest (an earlier build of
 * the same commit: builds are not byte-reproducible) reuse that digest when its stored scan
 * attestations pass, and fail naming the tag, both digests and what to do otherwise.
 */
export async function publishService(o: PublishServiceOptions): Promise<PublishedImage> {
  const layout = await openOciArchive(o.archive);
  try {
    const repo = { registry: o.registry, repository: o.repository };
    const existing = await Promise.all(
      o.tags.map(async (tag) => {
        const raw = await o.client.manifest({ ...repo, reference: tag });
        return { tag, digest: raw ? o.digestOf(raw) : undefined };
      }),
    );
    const others = [...new Set(existing.map((e) => e.digest).filter((d): d is string => !!d && d !== layout.digest))];
    if (others.length > 1) throw tagsDisagree(o, existing);
    const earlier = others[0];
    if (earlier) await requirePassingScan(o, earlier, layout.digest, existing.find((e) => e.digest === earlier)!.tag);
    const digest = earlier ?? layout.digest;
    const missing = existing.filter((e) => !e.digest).map((e) => e.tag);
    for (const tag of missing) {
      const to = { ...repo, reference: tag };
      if (digest === layout.digest && !(await o.client.manifest({ ...repo, reference: digest }))) {
        o.onProgress(`${o.service}: pushing ${layout.digest} as ${formatRef(to)}`);
        await o.client.pushLayout(layout.dir, to);
      } else {
        o.onProgress(`${o.service}: tagging ${digest} as ${tag}`);
        await o.client.copy({ ...repo, reference: digest }, to);
      }
    }
    if (digest === layout.digest) await keepScanRecord(o, layout.dir, layout.digest);
    const outcome: PublishOutcome = earlier
      ? "reused"
      : missing.length === o.tags.length
        ? "pushed"
        : "already-published";
    if (outcome === "already-published")
      o.onProgress(`${o.service}: ${o.tags.join(", ")} already on ${digest}: nothing to push`);
    return {
      service: o.service,
      repository: `${o.registry}/${o.repository}`,
      digest,
      references: o.tags.map((t) => `${o.registry}/${o.repository}:${t}@${digest}`),
      outcome,
      built: layout.digest,
    };
  } finally {
    await layout.remove();
  }
}

/** An earlier build holds the tag: reuse it only when every platform of it passed its scan. */
async function requirePassingScan(
  o: PublishServiceOptions,
  earlier: string,
  built: string,
  tag: string,
): Promise<void> {
  const repo = { registry: o.registry, repository: o.repository };
  const configs = await remoteConfigDigests(o, earlier);
  const record = await o.client.config({ ...repo, reference: scanRecordTag(earlier) });
  const attestations = record ? readScanRecord(record) : [];
  const unscanned = configs.filter((c) => !attestations.some((a) => a.imageId === c && a.passed));
  if (configs.length > 0 && unscanned.length === 0) {
    o.onProgress(
      `${o.service}: ${tag} already holds ${earlier} (an earlier build of this commit; this build is ${built}); its scan passed, so it is reused and nothing is pushed`,
    );
    return;
  }
  throw userError(
    "images.tag-taken",
    `Failed to publish ${o.service}: tag ${tag} in ${o.registry}/${o.repository} already points to ${earlier}, and this build is ${built}; ECR tags are immutable, and ${record ? `the earlier image's scan record does not cover ${unscanned.join(", ")} with a passing scan` : "the earlier image has no scan record"}`,
    `Either deploy the earlier image knowingly (deployService --image ${o.registry}/${o.repository}@${earlier}), or publish from a new commit (new tags), or delete tag ${tag} in ECR (aws ecr batch-delete-image --repository-name ${o.repository} --image-ids imageTag=${tag}) and publish again.`,
  );
}

/** Config digests of every platform of a pushed image (the identity scan attestations name). */
async function remoteConfigDigests(o: PublishServiceOptions, digest: string): Promise<string[]> {
  const repo = { registry: o.registry, repository: o.repository };
  const raw = await o.client.manifest({ ...repo, reference: digest });
  if (!raw) return [];
  const doc = JSON.parse(raw.toString("utf8")) as ManifestDoc;
  if (!doc.manifests) return doc.config ? [doc.config.digest] : [];
  const children = doc.manifests.filter((m) => m.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest");
  const out: string[] = [];
  for (const child of children) {
    const body = await o.client.manifest({ ...repo, reference: child.digest });
    const config = body ? (JSON.parse(body.toString("utf8")) as ManifestDoc).config?.digest : undefined;
    if (config) out.push(config);
  }
  return out;
}

interface ManifestDoc {
  config?: { digest: string };
  manifests?: { digest: string; annotations?: Record<string, string> }[];
}

/** Stores this build's attestations next to it once (the record's tag is immutable too). */
async function keepScanRecord(o: PublishServiceOptions, layoutDir: string, digest: string): Promise<void> {
  const to = { registry: o.registry, repository: o.repository, reference: scanRecordTag(digest) };
  if (await o.client.manifest(to)) return;
  const configs = await localConfigDigests(layoutDir, digest);
  const mine = o.attestations.filter((a) => configs.includes(a.imageId));
  if (mine.length === 0) return; // pushed unscanned (allowUnscanned): nothing to vouch for it later
  const record = await writeScanRecord(mine);
  try {
    await o.client.pushLayout(record.dir, to);
  } finally {
    await record.remove();
  }
}

async function localConfigDigests(dir: string, digest: string): Promise<string[]> {
  const blob = async (d: string) =>
    JSON.parse(await readFile(path.join(dir, "blobs", "sha256", d.slice(7)), "utf8")) as ManifestDoc;
  const top = await blob(digest);
  if (!top.manifests) return top.config ? [top.config.digest] : [];
  const out: string[] = [];
  for (const m of top.manifests) {
    const config = (await blob(m.digest)).config?.digest;
    if (config) out.push(config);
  }
  return out;
}

function tagsDisagree(
  o: PublishServiceOptions,
  existing: { tag: string; digest?: string | undefined }[],
): PipelineError {
  return userError(
    "images.tags-disagree",
    `Failed to publish ${o.service}: its tags in ${o.registry}/${o.repository} point to different images (${existing.map((e) => `${e.tag} -> ${e.digest ?? "none"}`).join(", ")})`,
    "Someone pushed these tags outside the pipeline. Decide which image is right, delete the other tag in ECR, and publish again.",
  );
}
