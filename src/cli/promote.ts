import { CREDENTIAL_ENV, type RolePurpose } from "../aws/index.js";
import { findService } from "../config/load.js";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { connect } from "../ecs/context.js";
import { userError } from "../errors.js";
import { ecrLogin, ecrRegistry } from "../images/ecr-auth.js";
import { promote, type PromoteEvent, type PromoteResult } from "../images/promote.js";
import { withAuthFile, type RegistryCredentials } from "../images/registry-auth.js";
import { runningImage } from "../images/running.js";
import { skopeoClient } from "../images/skopeo.js";
import { computeTags } from "../images/tags.js";
import {
  type Command,
  type CommandIO,
  environmentOption,
  listOption,
  optionalString,
  type OptionValues,
} from "./command.js";

interface Move {
  service: string;
  fromRepo: string;
  toRepo: string;
  reference: string;
  expectDigest: string | undefined;
  tags: string[];
}

/**
 * Promotes images from one environment's registry to the next one's, by digest, every
 * platform, never rebuilding: either what each service runs now in the source environment
 * (--running, read from ECS) or what a commit published (--commit). The source side reads with
 * its pull-only promote role (or its deploy role when it has none), the destination writes with
 * its deploy role; SOURCE_AWS_* / DEST_AWS_* variables, when set,
 * replace the base AWS_* credentials for that side (accounts with separate base identities).
 */
export const promoteCommand: Command = {
  name: "promote",
  summary: "Copy images by digest from one environment's ECR to another's (what runs now, or a commit's), and verify",
  usage:
    "promote --from ENV --to ENV (--running | --commit SHA) [--service NAME ...] [--digest sha256:...] [--dry-run] [--json] [--allow-unattested] [--source-registry HOST --dest-registry HOST --insecure-registries]",
  options: {
    from: { type: "string" },
    to: { type: "string" },
    commit: { type: "string" },
    running: { type: "boolean", default: false },
    service: { type: "string", multiple: true },
    digest: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    "source-registry": { type: "string" },
    "dest-registry": { type: "string" },
    "insecure-registries": { type: "boolean", default: false },
    "allow-unattested": { type: "boolean", default: false },
    skopeo: { type: "string" },
  },
  async run(values, _positionals, io) {
    const from = await environmentOption(values, io, "promote", "from");
    const to = await environmentOption(values, io, "promote", "to");
    const moves = await planMoves(values, from, to, io);
    const srcOverride = optionalString(values, "source-registry");
    const dstOverride = optionalString(values, "dest-registry");
    const src = srcOverride ? undefined : await login(from, sourcePurpose(from), "SOURCE_", io);
    const dst = dstOverride ? undefined : await login(to, "deploy", "DEST_", io);
    const tlsVerify = values["insecure-registries"] !== true;
    const dryRun = values["dry-run"] === true;
    const results: (PromoteResult & { service: string })[] = [];
    await withAuthFile(src, (srcFile) =>
      withAuthFile(dst, async (dstFile) => {
        for (const m of moves) {
          const result = await promote({
            source: { registry: srcOverride ?? ecrRegistry(from), repository: m.fromRepo, reference: m.reference },
            destination: { registry: dstOverride ?? ecrRegistry(to), repository: m.toRepo, tags: m.tags },
            expectDigest: m.expectDigest,
            sourceAccess: { authFile: srcFile, tlsVerify },
            destinationAccess: { authFile: dstFile, tlsVerify },
            dryRun,
            allowUnattested: values["allow-unattested"] === true,
            registry: skopeoClient(optionalString(values, "skopeo")),
            onProgress: (e) => io.log(`${m.service}: ${describe(e)}`),
          });
          results.push({ service: m.service, ...result });
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

/** Decides, before any copy, what moves where under which tags; conflicting options are refused first. */
async function planMoves(
  values: OptionValues,
  from: EnvironmentConfig,
  to: EnvironmentConfig,
  io: CommandIO,
): Promise<Move[]> {
  const commit = optionalString(values, "commit");
  const running = values.running === true;
  if (!commit && !running) {
    throw userError(
      "cli.bad-arguments",
      "promote: pass --running (what runs now) or --commit SHA",
      `Usage: ecs-pipeline ${promoteCommand.usage}`,
    );
  }
  const names = listOption(values, "service");
  const services = (names.length ? names : to.services.map((s) => s.name)).map((n): [ServiceConfig, ServiceConfig] => [
    findService(from, n),
    findService(to, n),
  ]);
  const digest = optionalString(values, "digest");
  if (digest && services.length !== 1) {
    throw userError("cli.bad-arguments", "promote: --digest needs exactly one --service", "A digest names one image.");
  }
  if (!running) {
    const tags = computeTags({ commitSha: commit ?? "", env: to.name });
    return services.map(([f, t]) => ({
      service: f.name,
      fromRepo: f.ecrRepository,
      toRepo: t.ecrRepository,
      reference: commit ?? "",
      expectDigest: digest,
      tags,
    }));
  }
  const ecs = await connect(from, {
    credentials: { vars: sideVars(io.env, "SOURCE_"), purpose: sourcePurpose(from) },
    progress: () => {},
  });
  try {
    const moves: Move[] = [];
    for (const [f, t] of services) {
      const now = await runningImage(ecs.ecs, f);
      const sha = commit ?? now.commit;
      if (!sha) {
        throw userError(
          "images.untagged-running-image",
          `Failed to name the promoted image of ${f.name}: it runs ${now.image}, whose tag is not a commit SHA`,
          "Pass --commit with the commit that image was built from; its tags at the destination are named after it.",
        );
      }
      io.log(`${f.name}: runs ${now.image} in ${from.name}`);
      moves.push({
        service: f.name,
        fromRepo: f.ecrRepository,
        toRepo: t.ecrRepository,
        reference: now.reference,
        expectDigest: digest ?? now.digest,
        tags: computeTags({ commitSha: sha, env: to.name }),
      });
    }
    return moves;
  } finally {
    ecs.close();
  }
}

/**
 * The source side reads with the source environment's pull-only role when it has one
 * (aws.roles.promote): the promoting job may read there, never write.
 */
function sourcePurpose(from: EnvironmentConfig): RolePurpose {
  return from.aws.roles.promote ? "promote" : "deploy";
}

async function login(
  env: EnvironmentConfig,
  purpose: RolePurpose,
  prefix: string,
  io: CommandIO,
): Promise<RegistryCredentials> {
  return ecrLogin(env, sideVars(io.env, prefix), purpose);
}

/** The process variables with PREFIX-ed AWS credential variables, when any is set, in place of the base ones. */
export function sideVars(vars: NodeJS.ProcessEnv, prefix: string): NodeJS.ProcessEnv {
  const names: string[] = Object.values(CREDENTIAL_ENV);
  if (!names.some((n) => vars[`${prefix}${n}`])) return vars;
  const base = Object.entries(vars).filter(([k]) => !names.includes(k));
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
    case "attested":
      return `scan attestations re-checked: ${e.platforms} platform image(s), each passed`;
    case "unattested-allowed":
      return `WITHOUT passing scan attestations (--allow-unattested): ${e.reason}`;
  }
}
