import { readFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";
import type { PublishedRef } from "../terraform/platform-inputs.js";
import { loadEnvironment } from "../config/load.js";
import { formatProgress } from "../terraform/progress.js";
import { plan } from "../terraform/plan.js";
import { optionalInt, requireString, type Command, type OptionValues } from "./command.js";

/** Plans one environment into a directory: saved plan, JSON, summary parts, fingerprint. */
export const planCommand: Command = {
  name: "plan",
  summary: "Plan an environment's Terraform (after the AWS account guard) into a plan directory",
  usage: "plan --env NAME [--out DIR] [--lock-timeout SECONDS] [--published FILE] [--json]",
  options: {
    env: { type: "string" },
    out: { type: "string" },
    "lock-timeout": { type: "string" },
    published: { type: "string" },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const name = requireString(values, "env", "plan");
    const env = await loadEnvironment(name, { root: io.cwd, vars: io.env });
    const outDir = path.resolve(io.cwd, typeof values.out === "string" ? values.out : `.pipeline/plans/${name}`);
    const result = await plan({
      env,
      repoRoot: io.cwd,
      outDir,
      vars: io.env,
      lockTimeoutSeconds: lockTimeout(values),
      published: await readPublished(io.cwd, values),
      onProgress: (e) => io.log(formatProgress(e)),
    });
    if (values.json) io.out(JSON.stringify({ outDir, meta: result.meta }, null, 2));
    else io.out(`${result.parts.join("\n\n")}\n\nPlan written to ${outDir}`);
    return 0;
  },
};

/** The images publish pushed (push-images --json output), for the first apply; [] without --published. */
async function readPublished(cwd: string, values: OptionValues): Promise<PublishedRef[]> {
  const file = typeof values.published === "string" && values.published ? path.resolve(cwd, values.published) : "";
  if (!file) return [];
  try {
    const doc = JSON.parse(await readFile(file, "utf8")) as { images?: PublishedRef[] };
    return (doc.images ?? []).filter((i) => typeof i.service === "string" && Array.isArray(i.references));
  } catch (err) {
    throw userError(
      "cli.bad-published",
      `plan: --published ${file}: ${(err as Error).message}`,
      "Pass the JSON push-images --json (publish) printed.",
    );
  }
}

/** Reads --lock-timeout as whole seconds (0 to an hour); 60 when absent. */
export function lockTimeout(values: OptionValues): number {
  return optionalInt(values, "lock-timeout", 0, "whole seconds from 0 to 3600", 3600) ?? 60;
}
