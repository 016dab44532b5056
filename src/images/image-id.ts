import { createHash } from "node:crypto";
import { z } from "zod";
import { PipelineError } from "../errors.js";
import { openTar, type TarIndex } from "./tar.js";

/**
 * The identity of an image in a tarball: the digest of its config blob (what `docker
 * images` calls the image ID and Trivy reports as Metadata.ImageID). It covers every
 * layer's content, so the same ID means the same bytes were scanned.
 */
export interface TarballImage {
  imageId: string;
  format: "oci" | "docker-archive";
}

const descriptor = z.object({
  mediaType: z.string().optional(),
  digest: z.string(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const ociIndex = z.object({ manifests: z.array(descriptor).min(1) });
const ociManifest = z.object({ config: descriptor });
const dockerManifest = z.array(z.object({ Config: z.string() })).min(1);

const INDEX_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

export async function readTarballImage(file: string): Promise<TarballImage> {
  let tar: TarIndex;
  try {
    tar = await openTar(file);
  } catch (err) {
    throw failure(file, (err as Error).message);
  }
  try {
    const index = await tar.read("index.json");
    if (index) return { imageId: await configFromOci(tar, file, json(index, file)), format: "oci" };
    const manifest = await tar.read("manifest.json");
    if (manifest) {
      const [first] = dockerManifest.parse(json(manifest, file));
      const config = first ? await tar.read(first.Config) : undefined;
      if (!config) throw failure(file, `manifest.json names config ${first?.Config}, which is not in the tarball`);
      return { imageId: `sha256:${createHash("sha256").update(config).digest("hex")}`, format: "docker-archive" };
    }
    throw failure(file, "neither index.json (OCI layout) nor manifest.json (docker save) is in it");
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw failure(file, (err as Error).message);
  } finally {
    await tar.close();
  }
}

async function configFromOci(tar: TarIndex, file: string, indexJson: unknown): Promise<string> {
  let desc: z.infer<typeof descriptor> | undefined = ociIndex.parse(indexJson).manifests[0];
  for (let depth = 0; desc && depth < 4; depth++) {
    const blob = await tar.read(`blobs/${desc.digest.replace(":", "/")}`);
    if (!blob) throw failure(file, `blob ${desc.digest} named by the index is missing`);
    const parsed = json(blob, file);
    const isIndex =
      INDEX_TYPES.includes(desc.mediaType ?? "") ||
      (typeof parsed === "object" && parsed !== null && "manifests" in parsed);
    if (!isIndex) return ociManifest.parse(parsed).config.digest;
    // BuildKit adds provenance as "attestation-manifest" entries; they are not images.
    const manifests = ociIndex
      .parse(parsed)
      .manifests.filter((m) => m.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest");
    if (manifests.length > 1) {
      throw failure(file, `it holds ${manifests.length} images; scan one platform at a time`);
    }
    desc = manifests[0];
  }
  throw failure(file, "its index nests too deeply");
}

function json(buf: Buffer, file: string): unknown {
  try {
    return JSON.parse(buf.toString("utf8"));
  } catch {
    throw failure(file, "a metadata file in it is not JSON");
  }
}

function failure(file: string, cause: string): PipelineError {
  return new PipelineError(`Failed to read image tarball ${file}: ${cause}`, {
    code: "images.bad-tarball",
    source: "user",
    hint: "Pass a tarball from `docker save`, `skopeo copy ... docker-archive:` or Dagger's Container.asTarball().",
  });
}
