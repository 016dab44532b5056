import path from "node:path";
import { userError } from "../errors.js";
import { OIDC_REQUEST_ENV, STS_AUDIENCE, requestActionsIdToken } from "../github/oidc.js";
import { requireString, type Command } from "./command.js";
import { checkOutputFile, writePrivateFile } from "./private-file.js";

/**
 * Writes a fresh GitHub Actions OIDC token (for AWS STS by default) to a file, never to the
 * terminal. Reads the request URL and token the runner gives a job with `id-token: write`.
 */
export const githubOidcTokenCommand: Command = {
  name: "github-oidc-token",
  summary: `Write a fresh GitHub Actions OIDC token to a file (reads ${OIDC_REQUEST_ENV.url} and ${OIDC_REQUEST_ENV.token})`,
  usage: "github-oidc-token --output FILE [--audience AUD]",
  options: { output: { type: "string" }, audience: { type: "string" } },
  async run(values, _positionals, io) {
    const output = path.resolve(io.cwd, requireString(values, "output", "github-oidc-token"));
    await checkOutputFile(output, "output");
    const requestUrl = io.env[OIDC_REQUEST_ENV.url];
    const requestToken = io.env[OIDC_REQUEST_ENV.token];
    if (!requestUrl || !requestToken) {
      throw userError(
        "github.no-oidc-request",
        `Failed to request a GitHub OIDC token: ${OIDC_REQUEST_ENV.url} and ${OIDC_REQUEST_ENV.token} must both be set`,
        "Only GitHub Actions jobs with `permissions: id-token: write` have them; elsewhere pass AWS keys or a web-identity token.",
      );
    }
    const audience = typeof values.audience === "string" ? values.audience : STS_AUDIENCE;
    const token = await requestActionsIdToken({ requestUrl, requestToken, audience });
    await writePrivateFile(output, token, "output");
    io.log(`GitHub OIDC token for audience ${audience} written to ${output}`);
    return 0;
  },
};
