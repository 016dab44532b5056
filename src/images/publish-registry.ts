import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";
import type { PublishRegistry } from "./publish.js";
import { formatRef, type RegistryAccess } from "./skopeo.js";

// skopeo's wording for a reference the registry does not have (distribution and ECR).
const NOT_FOUND = /manifest unknown|not found|MANIFEST_UNKNOWN|name unknown|NAME_UNKNOWN/i;

/** PublishRegistry over skopeo: the same tool promote uses, so auth and TLS work alike. */
export function skopeoPublishRegistry(access: RegistryAccess, skopeo = "skopeo"): PublishRegistry {
  const acc = (prefix: "" | "src-" | "dest-") => [
    `--${prefix}tls-verify=${access.tlsVerify}`,
    ...(access.authFile ? [`--${prefix}authfile`, access.authFile] : []),
  ];
  const read = async (args: string[], what: string) => {
    const r = await run(skopeo, args);
    if (r.exitCode === 0) return r.stdoutBytes;
    if (NOT_FOUND.test(r.stderr)) return undefined;
    throw failed(`read ${what}`, r.stderr);
  };
  return {
    manifest: (ref) => read(["inspect", "--raw", ...acc(""), `docker://${formatRef(ref)}`], formatRef(ref)),
    config: async (ref) =>
      (
        await read(["inspect", "--config", "--raw", ...acc(""), `docker://${formatRef(ref)}`], formatRef(ref))
      )?.toString("utf8"),
    async pushLayout(dir, to) {
      const args = ["copy", "--all", "--preserve-digests", "--retry-times", "3", ...acc("dest-")];
      const r = await run(skopeo, [...args, `oci:${dir}`, `docker://${formatRef(to)}`]);
      if (r.exitCode !== 0) throw failed(`push ${formatRef(to)}`, r.stderr);
    },
    async copy(from, to) {
      const args = ["copy", "--all", "--preserve-digests", "--retry-times", "3", ...acc("src-"), ...acc("dest-")];
      const r = await run(skopeo, [...args, `docker://${formatRef(from)}`, `docker://${formatRef(to)}`]);
      if (r.exitCode !== 0) throw failed(`tag ${formatRef(from)} as ${formatRef(to)}`, r.stderr);
    },
  };
}

function failed(act: string, stderr: string): PipelineError {
  return new PipelineError(`Failed to ${act}: ${outputTail({ stdout: "", stderr }, 3)}`, {
    code: "images.registry-failed",
    source: "tool",
    hint: "Check that the repository exists (terraform/bootstrap creates it), the registry address, and that the ECR login has not expired.",
  });
}
