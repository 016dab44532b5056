import { listEnvironments, loadEnvironment } from "../config/load.js";
import { describeError, PipelineError, userError } from "../errors.js";
import { optionalString, type Command } from "./command.js";

type Checked =
  | { name: string; ok: true; account: string; region: string; services: string[]; emulator: boolean }
  | { name: string; ok: false; error: string };

/**
 * Validates one environment file, or all of them. Every file is checked and reported, valid
 * or not (a bad dev.json does not hide a bad prod.json); exit 2 when any is invalid.
 */
export const validateConfigCommand: Command = {
  name: "validate-config",
  summary: "Validate environments/<env>.json (or every environment) against the schema; reports every file",
  usage: "validate-config [--env NAME] [--json]",
  options: { env: { type: "string" }, json: { type: "boolean", default: false } },
  async run(values, _positionals, io) {
    const one = optionalString(values, "env");
    const names = one ? [one] : await listEnvironments({ root: io.cwd });
    const checked: Checked[] = [];
    for (const name of names) {
      try {
        const env = await loadEnvironment(name, { root: io.cwd, vars: io.env });
        const services = env.services.map((s) => s.name);
        // An emulator environment (aws.endpoint set): the module starts or binds an emulator for it.
        const emulator = env.aws.endpoint !== undefined;
        checked.push({ name, ok: true, account: env.aws.accountId, region: env.aws.region, services, emulator });
      } catch (err) {
        if (!(err instanceof PipelineError) || err.source !== "user") throw err;
        checked.push({ name, ok: false, error: describeError(err) });
        // One file asked for: its error is the whole report (JSON still gets its document).
        if (one) {
          if (values.json) io.out(JSON.stringify({ valid: false, environments: checked }, null, 2));
          throw err;
        }
      }
    }
    const bad = checked.filter((c) => !c.ok);
    if (values.json) io.out(JSON.stringify({ valid: bad.length === 0, environments: checked }, null, 2));
    else
      for (const c of checked)
        io.out(
          c.ok
            ? `${c.name}: ok (account ${c.account}, ${c.region}; services ${c.services.join(", ")})`
            : `${c.name}: INVALID\n${c.error.replace(/^/gm, "  ")}`,
        );
    if (bad.length === 0) return 0;
    // The report above names every problem; the error is the one line that says what to do.
    io.log(
      `Error: ${describeError(
        userError(
          "config.invalid",
          `${bad.length} of ${checked.length} environment file(s) are invalid: ${bad.map((b) => `environments/${b.name}.json`).join(", ")}`,
          "Fix the problems listed for each file; environments/schema.json describes every field.",
        ),
      )}`,
    );
    return 2;
  },
};
