import { PipelineError, userError } from "../errors.js";

/**
 * GitHub Actions' OIDC token: a job granted `id-token: write` gets a request URL and a request
 * token (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN); asking that URL for an audience returns a
 * JWT that AWS STS exchanges with AssumeRoleWithWebIdentity. The JWT lives minutes, the
 * request pair the whole job, so the pipeline asks for a fresh JWT right before each step
 * that reaches AWS.
 */

export const OIDC_REQUEST_ENV = {
  url: "ACTIONS_ID_TOKEN_REQUEST_URL",
  token: "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
} as const;

/** The audience AWS expects (the OIDC provider's client id in terraform/modules/github-oidc). */
export const STS_AUDIENCE = "sts.amazonaws.com";

export interface RequestIdTokenOptions {
  requestUrl: string;
  requestToken: string;
  audience?: string;
  fetch?: typeof globalThis.fetch;
}

/** Asks GitHub for a fresh OIDC JWT. Neither the request token nor the JWT appears in errors. */
export async function requestActionsIdToken(options: RequestIdTokenOptions): Promise<string> {
  let url: URL;
  try {
    url = new URL(options.requestUrl);
  } catch {
    throw userError(
      "github.bad-oidc-url",
      `Failed to request a GitHub OIDC token: ${OIDC_REQUEST_ENV.url} is not a URL`,
      `Pass the runner's ${OIDC_REQUEST_ENV.url} unchanged (as env:${OIDC_REQUEST_ENV.url}).`,
    );
  }
  url.searchParams.set("audience", options.audience ?? STS_AUDIENCE);
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: { authorization: `bearer ${options.requestToken}`, accept: "application/json; api-version=2.0" },
    });
  } catch (err) {
    throw new PipelineError(`Failed to request a GitHub OIDC token from ${url.host}: ${(err as Error).message}`, {
      code: "github.oidc-unreachable",
      source: "tool",
    });
  }
  if (!response.ok) {
    throw new PipelineError(`Failed to request a GitHub OIDC token: HTTP ${response.status}`, {
      code: `github.oidc-http-${response.status}`,
      source: "tool",
      hint: "The job needs `permissions: id-token: write`, and the request token expires with the job.",
    });
  }
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (typeof body.value !== "string" || body.value.split(".").length !== 3) {
    throw new PipelineError("Failed to request a GitHub OIDC token: the answer holds no JWT in `value`", {
      code: "github.oidc-no-token",
      source: "tool",
    });
  }
  return body.value;
}
