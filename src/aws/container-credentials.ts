import { fromHttp } from "@aws-sdk/credential-provider-http";
import { PipelineError, userError } from "../errors.js";

/**
 * CodeBuild (and ECS) give a build its role's credentials through the container-credentials
 * endpoint. A Dagger step cannot inherit them, so the pipeline reads them once per step and
 * hands them on as Secrets: the base identity that then assumes the environment's role.
 * The AWS SDK's own HTTP provider does the request; this module says which endpoint is
 * acceptable and turns failures into errors a person can act on.
 */
const RELATIVE = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
const AUTH = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
const ENDPOINT = "http://169.254.170.2";

export interface ContainerCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: string;
}

/**
 * The endpoint URL: the fixed link-local host plus the relative URI, or a full URI that is
 * https or on loopback (as the AWS SDKs allow). A malformed value, or a relative URI that
 * would leave the fixed host (`//elsewhere/...`), is refused before any request is made.
 */
export function containerCredentialsUrl(env: NodeJS.ProcessEnv): URL {
  const relative = env[RELATIVE];
  if (relative) {
    const url = parseUrl(
      relative.startsWith("/") && !relative.startsWith("//") ? `${ENDPOINT}${relative}` : "",
      RELATIVE,
    );
    if (url.origin !== ENDPOINT)
      throw badUri(RELATIVE, "a path such as /v2/credentials/<id> on the link-local endpoint");
    return url;
  }
  const full = env[FULL];
  if (full) {
    const url = parseUrl(full, FULL);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    if (!(url.protocol === "https:" || (url.protocol === "http:" && loopback))) {
      throw badUri(FULL, "an https URL, or an http URL on loopback (127.0.0.1, localhost, [::1])");
    }
    return url;
  }
  throw userError(
    "aws.no-container-credentials",
    `Failed to read container credentials: neither ${RELATIVE} nor ${FULL} is set`,
    "Only CodeBuild and ECS tasks have them; elsewhere pass AWS keys or a web-identity token.",
  );
}

function parseUrl(value: string, name: string): URL {
  try {
    return new URL(value);
  } catch {
    throw badUri(name, name === RELATIVE ? "a path starting with /" : "an absolute URL");
  }
}

function badUri(name: string, expected: string) {
  // The value itself is not repeated: it can carry a credential id.
  return userError(
    "aws.container-uri",
    `Failed to read container credentials: ${name} is malformed, expected ${expected}`,
    `Pass the variable exactly as CodeBuild or ECS set it (env:${name}).`,
  );
}

/** Reads the build role's credentials from the endpoint the environment names. */
export async function readContainerCredentials(env: NodeJS.ProcessEnv): Promise<ContainerCredentials> {
  const url = containerCredentialsUrl(env);
  const token = env[AUTH];
  try {
    const creds = await fromHttp({
      awsContainerCredentialsFullUri: url.href,
      ...(token ? { awsContainerAuthorizationToken: token } : {}),
      maxRetries: 1,
    })();
    return {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
      ...(creds.expiration ? { expiration: creds.expiration.toISOString().replace(/\.\d{3}Z$/, "Z") } : {}),
    };
  } catch (err) {
    throw new PipelineError(`Failed to read container credentials from ${url.host}: ${(err as Error).message}`, {
      code: "aws.container-credentials",
      source: "aws",
      hint: "The endpoint answers only inside CodeBuild or an ECS task (and containers they start).",
      cause: err,
    });
  }
}
