/**
 * Promotion in the module: where the core's promote runs (the core
 * toolbox with skopeo, the AWS identity as Secrets) and what deploy asks before choosing its
 * stages. The core decides what: which digests, whether they are attested, where they go.
 */
import { type Container, type Directory } from "@dagger.io/dagger";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { CORE_CLI, coreToolbox, everyCall, withDebianPackages } from "./containers.js";

/** The core toolbox plus skopeo (Debian bookworm's package, pinned by the pinned base image). */
export function promoter(source: Directory): Container {
  return withDebianPackages(coreToolbox(source), ["skopeo"]);
}

/** How deploy reaches the environment: build, or promote from another (environments/<env>.json promotedFrom). */
export async function deployMode(
  source: Directory,
  env: string,
): Promise<{ mode: "build" | "promote"; from?: string }> {
  const out = await coreToolbox(source)
    .withExec([...CORE_CLI, "deploy-mode", "--env", env])
    .stdout();
  return JSON.parse(out) as { mode: "build" | "promote"; from?: string };
}

export interface PromoteArgs {
  from: string;
  to: string;
  service?: string;
  /** Promote what this commit published instead of what runs in `from`. */
  commitSha?: string;
  digest?: string;
  dryRun: boolean;
  identity: BaseIdentity;
  /** The destination's own base identity, when it differs. */
  dest?: BaseIdentity;
}

/** One promoted image, as the core's promote --json reports it. */
export interface Promoted {
  service: string;
  digest: string;
  /** registry/repository@digest at the destination: what deployService rolls out. */
  reference: string;
  changed: boolean;
}

/** The core's promote: copies by digest, verifies on arrival, re-checks the scan attestations. */
export async function promoteImages(source: Directory, o: PromoteArgs): Promise<string> {
  const args = [...CORE_CLI, "promote", "--from", o.from, "--to", o.to, "--json"];
  args.push(...(o.commitSha ? ["--commit", o.commitSha] : ["--running"]));
  if (o.service) args.push("--service", o.service);
  if (o.digest) args.push("--digest", o.digest);
  if (o.dryRun) args.push("--dry-run");
  const base = withAwsIdentity(everyCall(promoter(source)), o.identity);
  const both = o.dest ? withAwsIdentity(base, o.dest, "DEST_") : base;
  return both.withExec(args).stdout();
}
