import { listEnvironments, loadEnvironment } from "../config/load.js";
import type { Command } from "./command.js";

/** Validates one environment file, or all of them, before anything else runs. */
export const validateConfigCommand: Command = {
  name: "validate-config",
  summary: "Validate environments/<env>.json (or every environment) against the schema",
  usage: "validate-config [--env NAME] [--json]",
  options: { env: { type: "string" }, json: { type: "boolean", default: false } },
  async run(values, _positionals, io) {
    const names = typeof values.env === "string" ? [values.env] : await listEnvironments({ root: io.cwd });
    const loaded = [];
    for (const name of names) {
      const env = await loadEnvironment(name, { root: io.cwd });
      loaded.push({
        name,
        account: env.aws.accountId,
        region: env.aws.region,
        services: env.services.map((s) => s.name),
      });
    }
    if (values.json) io.out(JSON.stringify({ environments: loaded }, null, 2));
    else
      for (const e of loaded)
        io.out(`${e.name}: ok (account ${e.account}, ${e.region}; services ${e.services.join(", ")})`);
    return 0;
  },
};
