import { PipelineError, userError } from "../errors.js";
import type { ScanAttestation } from "./attestation.js";
import { attachAttestations, attestationTag, platformImages, readAttestations, unattested } from "./attested.js";
import { openOciArchive } from "./oci-layout.js";
import { formatRef, manifestDigest, type ImageRef, type RegistryAccess, type RegistryClient } from "./skopeo.js";

export interface PublishServiceOptions {
  service: string;
  registry: string;
  repository: string;
  tags: string[];
  /** Multi-platform OCI archive of this build. */
  archive: string;
  /** Attestations of this build's platforms (verify-scan has already required them). */
  attestations: ScanAttestation[];
  client: RegistryClient;
  access: RegistryAccess;
  /** Pushes an OCI layout of every platform, digests preserved (publish-registry.ts). */
  pushImage: (layoutDir: string, to: ImageRef) => Promise<void>;
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
        const raw = await o.client.manifest({ ...repo, reference: tag }, o.access);
        return { tag, digest: raw ? manifestDigest(raw) : undefined };
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
      if (digest === layout.digest && !(await o.client.manifest({ ...repo, reference: digest }, o.access))) {
        o.onProgress(`${o.service}: pushing ${layout.digest} as ${formatRef(to)}`);
        await o.pushImage(layout.dir, to);
      } else {
        o.onProgress(`${o.service}: tagging ${digest} as ${tag}`);
        await o.client.copy({ ...repo, reference: digest }, to, { from: o.access, to: o.access });
      }
    }
    if (digest === layout.digest) await keepAttestations(o, layout.digest);
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
  const at = { ...repo, reference: earlier };
  const raw = await o.client.manifest(at, o.access);
  const images = raw ? await platformImages(o.client, at, raw, o.access) : [];
  const stored = await readAttestations(o.client, repo, earlier, o.access);
  const missing = unattested(images, stored?.attestations ?? []);
  if (images.length > 0 && missing.length === 0) {
    o.onProgress(
      `${o.service}: ${tag} already holds ${earlier} (an earlier build of this commit; this build is ${built}); its scan passed, so it is reused and nothing is pushed`,
    );
    return;
  }
  const why = stored
    ? `the earlier image's attestations do not cover ${missing.map((m) => `${m.platform} (${m.reason})`).join(", ")}`
    : "the earlier image has no scan attestations";
  throw userError(
    "images.tag-taken",
    `Failed to publish ${o.service}: tag ${tag} in ${o.registry}/${o.repository} already points to ${earlier}, and this build is ${built}; ECR tags are immutable, and ${why}`,
    `Either deploy the earlier image knowingly (deployService --image ${o.registry}/${o.repository}@${earlier}), or publish from a new commit (new tags), or delete tag ${tag} in ECR (aws ecr batch-delete-image --repository-name ${o.repository} --image-ids imageTag=${tag}) and publish again.`,
  );
}

/**
 * Attaches this build's attestations to the pushed image once, in the format promote reads
 * (attested.ts); skipped for an image pushed unscanned (allowUnscanned): nothing vouches for it.
 */
async function keepAttestations(o: PublishServiceOptions, digest: string): Promise<void> {
  const repo = { registry: o.registry, repository: o.repository };
  if (await o.client.manifest({ ...repo, reference: attestationTag(digest) }, o.access)) return;
  const image = { ...repo, reference: digest };
  const raw = await o.client.manifest(image, o.access);
  const images = raw ? await platformImages(o.client, image, raw, o.access) : [];
  if (unattested(images, o.attestations).length === images.length) return;
  const attached = await attachAttestations({
    registry: o.client,
    image,
    access: o.access,
    attestations: o.attestations,
  });
  o.onProgress(`${o.service}: scan attestations attached as ${attached.tag}`);
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
