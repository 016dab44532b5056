import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";
import type { RegistryAccess } from "./skopeo.js";

export interface PushOptions {
  /** An OCI archive (Dagger's `asTarball`), one image or a multi-platform index. */
  archive: string;
  registry: string;
  repository: string;
  tags: string[];
  access: RegistryAccess;
  skopeo?: string;
}

export interface PushResult {
  digest: string;
  /** `registry/repository:tag@digest`, one per tag. */
  references: string[];
}

/**
 * Pushes every platform of an OCI archive under each tag (`skopeo copy --all`), in the
 * process that holds the registry login, so the password is never handed back to the
 * caller (publish used to read it out of a container to make it a Dagger Secret: plaintext
 * in the engine's cache). Each tag must land on the same digest.
 */
export async function pushArchive(o: PushOptions): Promise<PushResult> {
  if (o.tags.length === 0)
    throw new PipelineError("Failed to push: no tag given", { code: "images.no-tag", source: "user" });
  const dir = await mkdtemp(path.join(tmpdir(), "ecs-pipeline-push-"));
  try {
    const references: string[] = [];
    let digest: string | undefined;
    for (const tag of o.tags) {
      const target = `${o.registry}/${o.repository}:${tag}`;
      const digestFile = path.join(dir, `${references.length}.digest`);
      const args = ["copy", "--all", "--retry-times", "3", "--digestfile", digestFile];
      args.push(`--dest-tls-verify=${o.access.tlsVerify}`);
      if (o.access.authFile) args.push("--dest-authfile", o.access.authFile);
      args.push(`oci-archive:${o.archive}`, `docker://${target}`);
      const r = await run(o.skopeo ?? "skopeo", args);
      if (r.exitCode !== 0) {
        throw new PipelineError(`Failed to push ${target}: ${outputTail({ stdout: "", stderr: r.stderr }, 3)}`, {
          code: "images.push-failed",
          source: "tool",
          hint: "Check that the repository exists and that the deploy role may push to it (ecr:InitiateLayerUpload and friends).",
        });
      }
      const pushed = (await readFile(digestFile, "utf8")).trim();
      if (digest !== undefined && pushed !== digest) {
        throw new PipelineError(`Failed to push ${target}: it landed as ${pushed}, the first tag as ${digest}`, {
          code: "images.push-digest-mismatch",
          source: "tool",
        });
      }
      digest = pushed;
      references.push(`${target}@${pushed}`);
    }
    return { digest: digest!, references };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
