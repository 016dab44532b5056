import path from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { openSession } from "../aws/index.js";
import { ecrAuthorization } from "../images/ecr-auth.js";
import { type Command, environmentOption, requireString } from "./command.js";
import { checkOutputFile, writePrivateFile } from "./private-file.js";

/**
 * Fetches the environment's ECR login and writes it to a private file (mode 600) as
 * {registry, username, password, expiresAt}. publish turns that file into a Dagger Secret;
 * the password never reaches stdout, logs or arguments.
 */
export const ecrLoginCommand: Command = {
  name: "ecr-login",
  summary: "Write the environment's ECR registry login (12 h token) to a private file; prints only the registry",
  usage: "ecr-login --env NAME --output FILE",
  options: { env: { type: "string" }, output: { type: "string" } },
  async run(values, _positionals, io) {
    const env = await environmentOption(values, io, "ecr-login");
    const output = path.resolve(io.cwd, requireString(values, "output", "ecr-login"));
    await checkOutputFile(output, "output");
    const session = await openSession(env, { purpose: "deploy", vars: io.env });
    const auth = await ecrAuthorization(new ECRClient(session.config), env);
    await writePrivateFile(output, JSON.stringify(auth), "output");
    io.log(`ECR login for ${env.name} (account ${session.identity.account}) written to ${output}`);
    io.out(JSON.stringify({ registry: auth.registry, expiresAt: auth.expiresAt }));
    return 0;
  },
};
