import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";
import { formatRef, type ImageRef, type RegistryAccess } from "./skopeo.js";

/**
 * Pushes an OCI layout holding a multi-platform image (an index) with every platform and
 * digests preserved, so the digest known before the push is the one the registry reports.
 * (skopeo's promotion client pushes single manifests; an index needs --all.)
 */
export function skopeoImagePusher(access: RegistryAccess, skopeo = "skopeo") {
  return async (layoutDir: string, to: ImageRef): Promise<void> => {
    const args = ["copy", "--all", "--preserve-digests", "--retry-times", "3", `--dest-tls-verify=${access.tlsVerify}`];
    if (access.authFile) args.push("--dest-authfile", access.authFile);
    const r = await run(skopeo, [...args, `oci:${layoutDir}`, `docker://${formatRef(to)}`]);
    if (r.exitCode !== 0) {
      throw new PipelineError(`Failed to push ${formatRef(to)}: ${outputTail({ stdout: "", stderr: r.stderr }, 3)}`, {
        code: "images.registry-failed",
        source: "tool",
        hint: "Check that the repository exists (terraform/bootstrap creates it), the registry address, and that the ECR login has not expired.",
      });
    }
  };
}
