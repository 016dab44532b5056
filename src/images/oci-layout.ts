import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PipelineError } from "../errors.js";
import { run } from "../process/run.js";

const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/** An OCI image layout on disk with exactly one top manifest or index, and its digest. */
export interface OciLayout {
  dir: string;
  /** Digest of what index.json names: the digest a registry gives the pushed image. */
  digest: string;
  remove(): Promise<void>;
}

/**
 * Unpacks a multi-platform image archive (Dagger's Container.asTarball with platform
 * variants, `skopeo copy ... oci-archive:`) into a layout skopeo can push with `--all
 * --preserve-digests`. When index.json lists the platforms side by side, they are wrapped
 * in one image index, as a registry stores a multi-platform image, so the digest known
 * before the push is the digest the registry will report.
 */
export async function openOciArchive(archive: string): Promise<OciLayout> {
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-pipeline-oci-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const untar = await run("tar", ["-xf", archive, "-C", dir]);
    if (untar.exitCode !== 0) throw bad(archive, `tar could not read it: ${untar.stderr.trim()}`);
    const indexFile = path.join(dir, "index.json");
    const index = JSON.parse(await readFile(indexFile, "utf8").catch(() => "{}")) as { manifests?: Descriptor[] };
    // BuildKit's provenance entries are not images of the service.
    const manifests = (index.manifests ?? []).filter(
      (m) => m.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest",
    );
    if (manifests.length === 0) throw bad(archive, "its index.json names no image (not an OCI archive?)");
    let top = manifests[0]!;
    if (manifests.length > 1) {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_INDEX,
          manifests: manifests.map(({ annotations: _a, ...d }) => d),
        }),
      );
      const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
      await writeFile(path.join(dir, "blobs", "sha256", digest.slice(7)), body);
      top = { mediaType: OCI_INDEX, digest, size: body.length };
    }
    const { annotations: _annotations, ...plain } = top;
    await writeFile(indexFile, JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [plain] }));
    return { dir, digest: top.digest, remove };
  } catch (err) {
    await remove();
    if (err instanceof PipelineError) throw err;
    throw bad(archive, (err as Error).message);
  }
}

function bad(archive: string, cause: string): PipelineError {
  return new PipelineError(`Failed to read image archive ${archive}: ${cause}`, {
    code: "images.bad-archive",
    source: "user",
    hint: "Pass the multi-platform OCI archive of the service (Dagger: Container.asTarball({ platformVariants })).",
  });
}
