import path from "node:path";
import { readContainerCredentials } from "../aws/container-credentials.js";
import { requireString, type Command } from "./command.js";
import { checkOutputFile, writePrivateFile } from "./private-file.js";

/** Writes the build role's credentials (CodeBuild, ECS) to a file only the owner can read. */
export const containerCredentialsCommand: Command = {
  name: "container-credentials",
  summary:
    "Write the build's role credentials from the container-credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) to a file",
  usage: "container-credentials --output FILE",
  options: { output: { type: "string" } },
  async run(values, _positionals, io) {
    const output = path.resolve(io.cwd, requireString(values, "output", "container-credentials"));
    await checkOutputFile(output, "output");
    const creds = await readContainerCredentials(io.env);
    await writePrivateFile(output, JSON.stringify(creds), "output");
    io.log(`Container credentials${creds.expiration ? ` (valid until ${creds.expiration})` : ""} written to ${output}`);
    return 0;
  },
};
