import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CredentialProvider } from "./credentials.js";

/**
 * The variables that point an AWS SDK at a container-credentials endpoint. The Go SDK that
 * OpenTofu's S3 backend and the AWS provider use reads them in its default chain, calls the
 * URL with the token in the Authorization header whenever its cached credentials expire, and
 * accepts plain HTTP only on a loopback host.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
 */
export interface CredentialEndpointVars {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: string;
  AWS_CONTAINER_AUTHORIZATION_TOKEN: string;
}

export interface CredentialEndpoint extends AsyncDisposable {
  vars: CredentialEndpointVars;
  /** Requests answered with credentials so far (for progress and tests). */
  served(): number;
  close(): Promise<void>;
}

/**
 * Serves the provider's credentials on 127.0.0.1 in the container-credentials format, for a
 * child process (tofu) that outlives one credential: each request asks the provider, which
 * re-assumes the role before the cached credentials expire, so an apply longer than a role
 * session keeps working. Only a caller holding the random token gets an answer; the token
 * lives only in the child's environment.
 */
export async function serveCredentials(provider: CredentialProvider): Promise<CredentialEndpoint> {
  const token = randomBytes(32).toString("hex");
  let served = 0;
  const server = createServer((req, res) => {
    void answer(req, res, token, provider).then((ok) => {
      if (ok) served++;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    vars: {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${port}/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
    },
    served: () => served,
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  provider: CredentialProvider,
): Promise<boolean> {
  if (req.method !== "GET" || req.url !== "/credentials") return send(res, 404, { code: "NotFound" });
  if (!sameToken(req.headers.authorization, token)) return send(res, 403, { code: "AccessDenied" });
  try {
    const c = await provider();
    send(res, 200, {
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { Token: c.sessionToken } : {}),
      ...(c.expiration ? { Expiration: c.expiration.toISOString() } : {}),
    });
    return true;
  } catch (err) {
    // The SDK shows `message` in tofu's error; it never holds a secret (see credentials.ts).
    return send(res, 500, { code: "CredentialsUnavailable", message: (err as Error).message });
  }
}

function sameToken(given: string | undefined, token: string): boolean {
  const a = Buffer.from(given ?? "");
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(res: ServerResponse, status: number, body: object): false {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return false;
}
