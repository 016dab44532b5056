import { openSession } from "../aws/index.js";
import { bootstrapEmulatorBackend, requireEmulated } from "../terraform/emulator-backend.js";
import { type Command, environmentOption } from "./command.js";

/**
 * What terraform/bootstrap gives a real account, for an emulator environment: the state
 * bucket. The Dagger module runs it after starting the emulator for a local rehearsal.
 */
export const emulatorBootstrapCommand: Command = {
  name: "emulator-bootstrap",
  summary: "Create an emulator environment's Terraform state bucket (refused for real accounts)",
  usage: "emulator-bootstrap --env NAME",
  options: { env: { type: "string" } },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "emulator-bootstrap");
    requireEmulated(env); // before any credential is read or any call made
    const session = await openSession(env, { purpose: "apply", vars: io.env });
    io.out(await bootstrapEmulatorBackend(env, session.config));
    return 0;
  },
};
