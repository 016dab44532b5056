import { z } from "zod";
import { PipelineError } from "../errors.js";
import { attestationProblems } from "../images/attested.js";
import { platformOfArchitecture } from "../images/matrix.js";
import { platformsOf } from "../images/promote.js";
import {
  formatRef,
  manifestDigest,
  type ImageRef,
  type RegistryAccess,
  type RegistryClient,
} from "../images/skopeo.js";
import { parseImageRef } from "./image-ref.js";

/**
 * What pre-flight reads in the registry about one image: does its manifest exist, does it
 * hold an image for the task's CPU architecture, and did publish attach a passing scan of its
 * exact bytes. The registry is read as promote reads it (skopeo, attested.ts), never pulled.
 */

/** An image reference split the way a registry sees it; Docker Hub's implicit host made explicit. */
export interface SplitImage {
  host: string;
  repository: string;
  /** The digest when the reference pins one (what ECS runs), else the tag. */
  reference: string;
}

export function splitImage(image: string): SplitImage {
  const parsed = parseImageRef(image);
  const [first = "", ...rest] = parsed.repository.split("/");
  // Docker's rule: the first component is a registry host when it has a dot or a port, or is localhost.
  const hosted = rest.length > 0 && (/[.:]/.test(first) || first === "localhost");
  const host = hosted ? first : "docker.io";
  const path = hosted ? rest.join("/") : parsed.repository;
  const repository = host === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  return { host, repository, reference: parsed.digest ?? parsed.tag ?? "latest" };
}

/** ECS's runtimePlatform.cpuArchitecture as an OCI architecture, e.g. amd64. */
export function ociArchitecture(cpuArchitecture: string | undefined): string {
  return platformOfArchitecture(cpuArchitecture).slice("linux/".length);
}

export type ImageVerdict = { ok: true; detail: string } | { ok: false; detail: string; hint: string };

export interface ManifestFound {
  digest: string;
  raw: Buffer;
}

const configDoc = z.object({ os: z.string().optional(), architecture: z.string().optional() });

/**
 * The manifest exists and has a linux image for `architecture` (an index names it per
 * platform; a single image says it in its config blob).
 */
export async function checkManifest(
  registry: RegistryClient,
  ref: ImageRef,
  access: RegistryAccess,
  architecture: string,
): Promise<{ verdict: ImageVerdict; found?: ManifestFound }> {
  const raw = await reading(ref, () => registry.manifest(ref, access));
  if (!raw) {
    return {
      verdict: {
        ok: false,
        detail: `${formatRef(ref)} does not exist: no manifest under ${ref.reference.startsWith("sha256:") ? "that digest" : "that tag"} in ${ref.registry}/${ref.repository}`,
        hint: `Check ${ref.reference} for a typo; publish prints the references it pushed (repository:<sha>@sha256:...).`,
      },
    };
  }
  const found = { digest: manifestDigest(raw), raw };
  const platforms = platformsOf(raw);
  const offered =
    platforms.length > 0
      ? platforms
      : await reading(ref, async () => {
          const config = configDoc.parse(JSON.parse((await registry.config(ref, access)).toString("utf8")));
          return [`${config.os ?? "?"}/${config.architecture ?? "?"}`];
        });
  const wanted = `linux/${architecture}`;
  if (offered.some((p) => p === wanted || p.startsWith(`${wanted}/`))) {
    return { verdict: { ok: true, detail: `${found.digest} has ${wanted}` }, found };
  }
  return {
    verdict: {
      ok: false,
      detail: `${formatRef(ref)} (${found.digest}) has ${offered.join(", ") || "no platform"}, but the task runs on ${wanted}`,
      hint: `Build and publish the image for ${wanted} (build.platforms, or runtimePlatform.cpuArchitecture in the environment file).`,
    },
    found,
  };
}

/** Every platform image of the manifest has a passing scan attestation of its exact bytes. */
export async function checkAttested(
  registry: RegistryClient,
  ref: ImageRef,
  access: RegistryAccess,
  found: ManifestFound,
): Promise<ImageVerdict> {
  const repo = { registry: ref.registry, repository: ref.repository };
  return reading(ref, async () => {
    const { images, problems } = await attestationProblems(registry, repo, found.digest, found.raw, access);
    if (problems.length === 0) {
      return { ok: true, detail: `${images.length} platform image(s) of ${found.digest}, each with a passing scan` };
    }
    return {
      ok: false,
      detail: `${formatRef(ref)} (${found.digest}): ${problems.join("; ")}`,
      hint: "Deploy only images publish pushed after a passing scan (it attaches the attestations), or pass --allow-unscanned to deploy it anyway (loudly).",
    };
  });
}

/** A registry that cannot be read is not the user's input: before any change, like an AWS error (exit 3). */
async function reading<T>(ref: ImageRef, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof PipelineError && err.source === "user") throw err;
    throw new PipelineError(
      `Failed to read ${formatRef(ref)} for the pre-flight checks (nothing was changed): ${err instanceof Error ? err.message : String(err)}`,
      {
        code: "ecs.preflight-registry",
        source: "aws",
        cause: err,
        hint: "The deployer reads the registry with skopeo (on PATH) and an ECR login of the deploy role (ecr:GetAuthorizationToken, and ecr:BatchGetImage/GetDownloadUrlForLayer on the repository).",
      },
    );
  }
}
