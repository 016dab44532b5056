import path from "node:path";
import { PipelineError } from "../errors.js";
import { decideDrift } from "../pipeline/drift.js";
import { readPlanDir } from "../terraform/plan-dir.js";
import { requireString, type Command } from "./command.js";

/**
 * Decides drift from a plan directory written by `plan` (of the committed code against the
 * live state): prints one line and exits 1 when the plan wants any change, 0 when none.
 */
export const detectDriftCommand: Command = {
  name: "detect-drift",
  summary: "Report drift from a plan directory: exit 1 when the plan of the code wants changes, 0 when none",
  usage: "detect-drift --plan-dir DIR [--json]",
  options: { "plan-dir": { type: "string" }, json: { type: "boolean", default: false } },
  async run(values, _positionals, io) {
    const dir = path.resolve(io.cwd, requireString(values, "plan-dir", "detect-drift"));
    const { meta } = await readPlanDir(dir);
    if (meta.errored) {
      throw new PipelineError(`Failed to check ${meta.env} for drift: the plan errored and is incomplete`, {
        code: "drift.plan-errored",
        source: "tool",
        hint: "Read the plan's log above; fix the error and run the drift check again.",
      });
    }
    const decision = decideDrift({ env: meta.env, counts: meta.counts });
    if (values.json)
      io.out(JSON.stringify({ env: meta.env, account: meta.account, ...decision, counts: meta.counts }, null, 2));
    else io.out(decision.message);
    return decision.exitCode;
  },
};
