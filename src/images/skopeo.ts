import { createHash } from "node:crypto";
import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";

/** Where an image lives: registry host, repository, and a tag or a sha256 digest. */
export interface ImageRef {
  registry: string;
  repository: string;
  reference: string;
}

export function formatRef(ref: ImageRef): string {
  const sep = ref.reference.startsWith("sha256:") ? "@" : ":";
  return `${ref.registry}/${ref.repository}${sep}${ref.reference}`;
}

export interface RegistryAccess {
  authFile: string | undefined;
  /** False only for plain-HTTP test registries on loopback. */
  tlsVerify: boolean;
}

/** The registry calls promotion needs, as a narrow interface (the real one runs skopeo). */
export interface RegistryClient {
  /** The raw manifest (or index) bytes, or undefined when the reference does not exist. */
  manifest(ref: ImageRef, access: RegistryAccess): Promise<Buffer | undefined>;
  /** Copies every platform of `from` to `to`, keeping digests. */
  copy(from: ImageRef, to: ImageRef, access: { from: RegistryAccess; to: RegistryAccess }): Promise<void>;
  /** Downloads one manifest's blobs into `dir` (skopeo's dir: layout: files named by digest hex). */
  pull(ref: ImageRef, dir: string, access: RegistryAccess): Promise<void>;
  /** Pushes the single manifest of an OCI layout directory to `to`, keeping its digest. */
  push(layoutDir: string, to: ImageRef, access: RegistryAccess): Promise<void>;
  /** The config blob (os, architecture) of a single-platform image, without its layers. */
  config(ref: ImageRef, access: RegistryAccess): Promise<Buffer>;
}

export function manifestDigest(raw: Buffer): string {
  return `sha256:${createHash("sha256").update(raw).digest("hex")}`;
}

// skopeo's wording for a reference the registry does not have (distribution and ECR).
const NOT_FOUND = /manifest unknown|not found|MANIFEST_UNKNOWN|name unknown|NAME_UNKNOWN/i;

export function skopeoClient(skopeo = "skopeo"): RegistryClient {
  return {
    async manifest(ref, access) {
      const args = ["inspect", "--raw", ...accessArgs("", access), `docker://${formatRef(ref)}`];
      const r = await run(skopeo, args);
      if (r.exitCode === 0) return r.stdoutBytes;
      if (NOT_FOUND.test(r.stderr)) return undefined;
      throw toolError(`read ${formatRef(ref)}`, r.stderr);
    },
    async copy(from, to, access) {
      const args = ["copy", "--all", "--preserve-digests", "--retry-times", "3"];
      args.push(...accessArgs("src-", access.from), ...accessArgs("dest-", access.to));
      args.push(`docker://${formatRef(from)}`, `docker://${formatRef(to)}`);
      const r = await run(skopeo, args);
      if (r.exitCode !== 0) throw toolError(`copy ${formatRef(from)} to ${formatRef(to)}`, r.stderr);
    },
    async pull(ref, dir, access) {
      const args = ["copy", "--retry-times", "3", ...accessArgs("src-", access), `docker://${formatRef(ref)}`];
      const r = await run(skopeo, [...args, `dir:${dir}`]);
      if (r.exitCode !== 0) throw toolError(`download ${formatRef(ref)}`, r.stderr);
    },
    async push(layoutDir, to, access) {
      const args = ["copy", "--preserve-digests", "--retry-times", "3", ...accessArgs("dest-", access)];
      const r = await run(skopeo, [...args, `oci:${layoutDir}`, `docker://${formatRef(to)}`]);
      if (r.exitCode !== 0) throw toolError(`push ${formatRef(to)}`, r.stderr);
    },
    async config(ref, access) {
      const args = ["inspect", "--config", "--raw", ...accessArgs("", access), `docker://${formatRef(ref)}`];
      const r = await run(skopeo, args);
      if (r.exitCode !== 0) throw toolError(`read the config of ${formatRef(ref)}`, r.stderr);
      return r.stdoutBytes;
    },
  };
}

function accessArgs(prefix: "" | "src-" | "dest-", access: RegistryAccess): string[] {
  const args = [`--${prefix}tls-verify=${access.tlsVerify}`];
  if (access.authFile) args.push(`--${prefix}authfile`, access.authFile);
  return args;
}

function toolError(act: string, stderr: string): PipelineError {
  return new PipelineError(`Failed to ${act}: ${outputTail({ stdout: "", stderr }, 3)}`, {
    code: "images.registry-failed",
    source: "tool",
    hint: "Check the registry address and that the credentials for that side are valid and not expired.",
  });
}
