import { ECRClient } from "@aws-sdk/client-ecr";
import { CREDENTIAL_ENV, openSession } from "../aws/index.js";
import { findService, loadEnvironment } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { ecrAuthorization, ecrRegistry } from "../images/ecr-auth.js";
import { promote, type PromoteEvent, type PromoteResult } from "../images/promote.js";
import { withAuthFile, type RegistryCredentials } from "../images/registry-auth.js";
import { skopeoClient } from "../images/skopeo.js";
import { computeTags } from "../images/tags.js";
import { requireString, type Command, type CommandIO } from "./command.js";
import { listOption, stringOption } from "./images-options.js";

/**
 * Promotes the images of a commit from one environment's registry to the next one's, by
 * digest, every platform, never rebuilding. Each side authenticates with its own
 * environment's deploy role; SOURCE_AWS_* / DEST_AWS_* variables, when set, replace the
 * base AWS_* credentials for that side (accounts with separate base identities).
 */
export const promoteCommand: Command = {
  name: "promote",
  summary: "Copy a commit's multi-platform images by digest from one environment's ECR to another's, and verify",
  usage:
    "promote --from ENV --to ENV --commit SHA [--service NAME ...] [--digest sha256:...] [--dry-run] [--json] [--source-registry HOST --dest-registry HOST --insecure-registries]",
  options: {
    from: { type: "string" },
    to: { type: "string" },
    commit: { type: "string" },
    service: { type: "string", multiple: true },
    digest: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "source-registry": { type: "string" },
    "dest-registry": { type: "string" },
    "insecure-registries": { type: "boolean", default: false },
    skopeo: { type: "string" },
  },
  async run(values, _positionals, io) {
    const from = await loadEnvironment(requireString(values, "from", "promote"), { root: io.cwd });
    const to = await loadEnvironment(requireString(values, "to", "promote"), { root: io.cwd });
    const commit = requireString(values, "commit", "promote");
    const names = listOption(values, "service");
    const services = (names.length ? names : to.services.map((s) => s.name)).map((n) => ({
      name: n,
      fromRepo: findService(from, n).ecrRepository,
      toRepo: findService(to, n).ecrRepository,
    }));
    const digest = stringOption(values, "digest");
    if (digest && services.length !== 1) {
      throw userError(
        "cli.bad-arguments",
        "promote: --digest needs exactly one --service",
        "A digest names one image.",
      );
    }
    const srcOverride = stringOption(values, "source-registry");
    const dstOverride = stringOption(values, "dest-registry");
    const src = srcOverride ? undefined : await login(from, "SOURCE_", io);
    const dst = dstOverride ? undefined : await login(to, "DEST_", io);
    const tlsVerify = values["insecure-registries"] !== true;
    const dryRun = values["dry-run"] === true;
    const results: (PromoteResult & { service: string })[] = [];
    await withAuthFile(src, (srcFile) =>
      withAuthFile(dst, async (dstFile) => {
        for (const s of services) {
          const result = await promote({
            source: { registry: srcOverride ?? ecrRegistry(from), repository: s.fromRepo, reference: commit },
            destination: {
              registry: dstOverride ?? ecrRegistry(to),
              repository: s.toRepo,
              tags: computeTags({ commitSha: commit, env: to.name }),
            },
            expectDigest: digest,
            sourceAccess: { authFile: srcFile, tlsVerify },
            destinationAccess: { authFile: dstFile, tlsVerify },
            dryRun,
            registry: skopeoClient(stringOption(values, "skopeo")),
            onProgress: (e) => io.log(`${s.name}: ${describe(e)}`),
          });
          results.push({ service: s.name, ...result });
        }
      }),
    );
    if (values.json) io.out(JSON.stringify({ from: from.name, to: to.name, results }, null, 2));
    else
      for (const r of results)
        io.out(`${r.service}: ${r.changed ? (dryRun ? "would copy" : "copied") : "already there"} ${r.reference}`);
    return 0;
  },
};

async function login(env: EnvironmentConfig, prefix: string, io: CommandIO): Promise<RegistryCredentials> {
  const session = await openSession(env, { purpose: "deploy", vars: sideVars(io.env, prefix) });
  return ecrAuthorization(new ECRClient(session.config), env);
}

/** The process variables with PREFIX-ed AWS credential variables, when any is set, in place of the base ones. */
export function sideVars(vars: NodeJS.ProcessEnv, prefix: string): NodeJS.ProcessEnv {
  const names = Object.values(CREDENTIAL_ENV);
  if (!names.some((n) => vars[`${prefix}${n}`])) return vars;
  const base = Object.entries(vars).filter(([k]) => !(names as string[]).includes(k));
  const side = names.flatMap((n) => (vars[`${prefix}${n}`] ? [[n, vars[`${prefix}${n}`]] as const] : []));
  return Object.fromEntries([...base, ...side]);
}

function describe(e: PromoteEvent): string {
  switch (e.kind) {
    case "resolved":
      return `${e.source} is ${e.digest}${e.platforms.length ? ` (${e.platforms.join(", ")})` : ""}`;
    case "present":
      return `${e.destination} already has it under every tag; nothing to copy`;
    case "copying":
      return `copying to ${e.destination}`;
    case "verified":
      return `verified ${e.destination}`;
  }
}
