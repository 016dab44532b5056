import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../../../src/aws/session.js";
import { main } from "../../../src/cli/main.js";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { startMoto, type Moto } from "../../support/moto.js";

// GitHub's OIDC token endpoint is only reachable from inside a GitHub Actions job, so a local
// HTTP server answers like it: GET <request URL>&audience=..., `Authorization: bearer <request
// token>`, JSON {"value": "<jwt>"}. The JWT is then exchanged for real with moto's STS.

const REQUEST_TOKEN = "request-token-not-a-secret-0123";
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvcGxhdGZvcm06cHVsbF9yZXF1ZXN0In0.c2lnbmF0dXJl";
const seen: { url: string; authorization: string | undefined }[] = [];
let server: Server;
let requestUrl: string;
let moto: Moto;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
    const ok = req.headers.authorization === `bearer ${REQUEST_TOKEN}`;
    res.writeHead(ok ? 200 : 403, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { count: 1, value: JWT } : { message: "forbidden" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  requestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_apis/oidctoken?api-version=2.0`;
  moto = await startMoto();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await moto?.stop();
});

async function run(env: NodeJS.ProcessEnv, extra: string[] = []) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "oidc-"));
  const output = path.join(dir, "token");
  const lines: string[] = [];
  const code = await main(["github-oidc-token", "--output", output, ...extra], {
    out: (t) => lines.push(t),
    log: (t) => lines.push(t),
    env,
    cwd: dir,
  });
  return { code, output, lines };
}

describe("ecs-pipeline github-oidc-token", () => {
  it("asks for a token for AWS STS with the request token and writes it to a private file, never to the log", async () => {
    const { code, output, lines } = await run({
      ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
    });
    expect(code).toBe(0);
    expect(await readFile(output, "utf8")).toBe(JWT);
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    const asked = new URL(seen.at(-1)!.url, "http://x");
    expect(asked.searchParams.get("api-version")).toBe("2.0");
    expect(asked.searchParams.get("audience")).toBe("sts.amazonaws.com");
    expect(lines.join("\n")).not.toContain(JWT);
    expect(lines.join("\n")).not.toContain(REQUEST_TOKEN);
  });

  it("hands over a token that STS exchanges for the environment's role (AssumeRoleWithWebIdentity)", async () => {
    const { output } = await run({
      ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
    });
    const env = {
      name: "dev",
      aws: {
        accountId: "123456789012",
        region: "eu-west-1",
        endpoint: moto.endpoint,
        roles: { plan: "arn:aws:iam::123456789012:role/platform-dev-plan" },
      },
    } as EnvironmentConfig;
    const session = await openSession(env, { purpose: "plan", vars: { AWS_WEB_IDENTITY_TOKEN_FILE: output } });
    expect(session.identity.arn).toContain("assumed-role/platform-dev-plan");
  });

  it("says the job needs id-token: write when GitHub refuses, without echoing the request token", async () => {
    const { code, lines } = await run({
      ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: "stale",
    });
    expect(code).toBe(4);
    expect(lines.join("\n")).toContain("HTTP 403\nHint: The job needs `permissions: id-token: write`");
    expect(lines.join("\n")).not.toContain("stale");
  });

  it("is a user error outside GitHub Actions, where the request variables are missing", async () => {
    const { code, lines } = await run({});
    expect(code).toBe(2);
    expect(lines[0]).toContain("ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must both be set");
  });
});
