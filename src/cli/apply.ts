import path from "node:path";
import { loadEnvironment } from "../config/load.js";
import { apply, type ApplyResult } from "../terraform/apply.js";
import { formatProgress } from "../terraform/progress.js";
import { countsLine } from "../terraform/summary.js";
import { requireString, type Command } from "./command.js";
import { lockTimeout } from "./plan.js";

/** Applies exactly a saved plan, refusing stale, foreign or unconfirmed ones. */
export const applyCommand: Command = {
  name: "apply",
  summary: "Apply a saved plan directory to its environment (refuses stale plans, other accounts, missing approval)",
  usage: "apply --env NAME [--plan DIR] [--confirm NAME] [--dry-run] [--lock-timeout SECONDS] [--json]",
  options: {
    env: { type: "string" },
    plan: { type: "string" },
    confirm: { type: "string" },
    "dry-run": { type: "boolean", default: false },
    "lock-timeout": { type: "string" },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const name = requireString(values, "env", "apply");
    const env = await loadEnvironment(name, { root: io.cwd, vars: io.env });
    const planDir = path.resolve(io.cwd, typeof values.plan === "string" ? values.plan : `.pipeline/plans/${name}`);
    const result = await apply({
      env,
      repoRoot: io.cwd,
      planDir,
      vars: io.env,
      ...(typeof values.confirm === "string" ? { confirm: values.confirm } : {}),
      dryRun: values["dry-run"] === true,
      lockTimeoutSeconds: lockTimeout(values),
      onProgress: (e) => io.log(formatProgress(e)),
    });
    io.out(values.json ? JSON.stringify(result, null, 2) : renderApply(result));
    return 0;
  },
};

export function renderApply(result: ApplyResult): string {
  const head = `${result.env} (account ${result.account}, as ${result.appliedBy})`;
  if (result.status === "no-changes") return `No changes to apply to ${head}.`;
  if (result.status === "dry-run")
    return `Dry run: would apply to ${head}: ${countsLine(result.planned)}. Nothing was changed.`;
  const done = result.applied
    ? `${result.applied.add} added, ${result.applied.change} changed, ${result.applied.remove} destroyed`
    : countsLine(result.planned);
  return [`Applied to ${head}: ${done}.`, ...result.changes.map((c) => `  ${c.action.padEnd(7)} ${c.address}`)].join(
    "\n",
  );
}
