import { type Command, environmentOption } from "./command.js";

/**
 * How deploy reaches an environment, as JSON the module follows: "build" (build, scan,
 * publish) or "promote" (copy what the source environment runs; never build).
 */
export const deployModeCommand: Command = {
  name: "deploy-mode",
  summary: "Print how deploy reaches an environment: build, or promote from another (JSON)",
  usage: "deploy-mode --env NAME",
  options: { env: { type: "string" } },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "deploy-mode");
    const mode = env.promotedFrom ? { mode: "promote", from: env.promotedFrom } : { mode: "build" };
    io.out(JSON.stringify({ env: env.name, ...mode }));
    return 0;
  },
};
