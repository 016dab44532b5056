import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { classifyBuilds, type BuildRecord } from "../images/build-record.js";
import { ecrRegistry } from "../images/ecr-auth.js";
import { buildMatrix } from "../images/matrix.js";
import { applyPatchToDirectory, planPatch } from "../images/patch.js";
import { computeTags } from "../images/tags.js";
import { type Command, environmentOption, listOption, optionalString, requireString } from "./command.js";

/**
 * What buildAll and publish build and where it goes, as JSON the Dagger layer follows:
 * targets (service, context, Dockerfile, platforms), the ECR registry and, with --commit,
 * the tags. Patches named by the config are read and checked here, before any build.
 */
export const buildPlanCommand: Command = {
  name: "build-plan",
  summary: "Print the build matrix of an environment (services x platforms, contexts, patches, registry, tags) as JSON",
  usage: "build-plan --env NAME [--service NAME ...] [--platform linux/amd64 ...] [--commit SHA]",
  options: {
    env: { type: "string" },
    service: { type: "string", multiple: true },
    platform: { type: "string", multiple: true },
    commit: { type: "string" },
  },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "build-plan");
    refusePromoted(env);
    const targets = buildMatrix(env, {
      services: listOption(values, "service"),
      platforms: listOption(values, "platform"),
    });
    const patches: Record<string, string[]> = {};
    for (const t of targets) {
      if (t.context.kind !== "git" || !t.context.patch) continue;
      const text = await readRepoFile(io.cwd, t.context.patch);
      patches[t.service] = planPatch(text, t.context.patch).map((c) => `${c.action} ${c.file}`);
      io.log(`${t.service}: patch ${t.context.patch} changes ${patches[t.service]?.join(", ")}`);
    }
    const commit = optionalString(values, "commit");
    const tags = commit ? computeTags({ commitSha: commit, env: env.name }) : undefined;
    io.out(JSON.stringify({ env: env.name, registry: ecrRegistry(env), tags, targets, patches }, null, 2));
    return 0;
  },
};

/**
 * An environment promoted from another never builds: what it runs is exactly what the source
 * environment tested, copied by digest. buildAll, scanAll and publish all start here.
 */
export function refusePromoted(env: EnvironmentConfig): void {
  if (!env.promotedFrom) return;
  throw userError(
    "images.promoted-environment",
    `Failed to plan a build for ${env.name}: ${env.name} is promoted from ${env.promotedFrom} and never builds`,
    `Deploy it with deploy --env ${env.name} (which promotes what ${env.promotedFrom} runs), or copy images with promote --from ${env.promotedFrom} --to ${env.name}.`,
  );
}

/** Applies a patch to a fetched build context, all files or none. */
export const applyPatchCommand: Command = {
  name: "apply-patch",
  summary: "Apply a unified-diff patch to a build context directory (all files or none)",
  usage: "apply-patch --dir DIR --patch FILE",
  options: { dir: { type: "string" }, patch: { type: "string" } },
  async run(values, _positionals, io) {
    const patch = requireString(values, "patch", "apply-patch");
    const dir = path.resolve(io.cwd, requireString(values, "dir", "apply-patch"));
    const changes = await applyPatchToDirectory(dir, await readRepoFile(io.cwd, patch), patch);
    for (const c of changes) io.out(`${c.action} ${c.file}`);
    return 0;
  },
};

const inputsSchema = z.array(
  z.object({ service: z.string(), contextDigest: z.string(), dockerfile: z.string(), platforms: z.array(z.string()) }),
);

/** Records this build's inputs and says which services were rebuilt and which came from cache. */
export const buildRecordCommand: Command = {
  name: "build-record",
  summary: "Compare build inputs with the last build's record: which services were rebuilt, which came from cache",
  usage: "build-record --record FILE --inputs JSON",
  options: { record: { type: "string" }, inputs: { type: "string" } },
  async run(values, _positionals, io) {
    const file = path.resolve(io.cwd, requireString(values, "record", "build-record"));
    const parsed = inputsSchema.safeParse(parseInputs(requireString(values, "inputs", "build-record")));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw userError(
        "cli.bad-arguments",
        `build-record: --inputs: ${issue?.path.join(".") || "(top level)"}: ${issue?.message}`,
        INPUTS_HINT,
      );
    }
    const previous = await readRecord(file);
    const report = classifyBuilds(previous, parsed.data);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(report.record, null, 2));
    io.out(JSON.stringify({ rebuilt: report.rebuilt, cached: report.cached }));
    return 0;
  },
};

/** The last build's record; a missing or unreadable one means "nothing built yet". */
async function readRecord(file: string): Promise<BuildRecord> {
  try {
    return z.record(z.string(), z.string()).parse(JSON.parse(await readFile(file, "utf8")));
  } catch {
    return {};
  }
}

/** A patch inside the repository (as the environment file's paths are): never /etc/passwd or ../. */
async function readRepoFile(root: string, file: string): Promise<string> {
  const rel = path.relative(root, path.resolve(root, file));
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw userError(
      "images.patch-outside",
      `Failed to read patch ${file}: it is outside the repository`,
      "Pass a patch file inside the repository, by a repository-relative path.",
    );
  }
  try {
    return await readFile(path.resolve(root, file), "utf8");
  } catch (err) {
    throw userError(
      "images.patch-missing",
      `Failed to read patch ${file}: ${(err as Error).message}`,
      "Pass a patch file (git diff output) that exists, repository-relative.",
    );
  }
}

const INPUTS_HINT = 'Pass --inputs as a JSON array of {"service","contextDigest","dockerfile","platforms":[...]}.';

function parseInputs(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw userError("cli.bad-arguments", `build-record: --inputs is not JSON: ${(err as Error).message}`, INPUTS_HINT);
  }
}
