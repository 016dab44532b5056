import { mkdtemp, readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../../../src/aws/session.js";
import { main } from "../../../src/cli/main.js";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { motoCredentials, startMoto, type Moto } from "../../support/moto.js";

// The container-credentials endpoint (169.254.170.2) exists only inside CodeBuild and ECS, so
// a loopback server answers like it, reached through AWS_CONTAINER_CREDENTIALS_FULL_URI as the
// AWS SDKs allow; the keys it hands out are moto's, and are used for real against moto's STS.

let server: Server;
let fullUri: string;
let moto: Moto;
const authSeen: (string | undefined)[] = [];

beforeAll(async () => {
  const keys = motoCredentials();
  server = createServer((req, res) => {
    authSeen.push(req.headers.authorization);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        AccessKeyId: keys.AWS_ACCESS_KEY_ID,
        SecretAccessKey: keys.AWS_SECRET_ACCESS_KEY,
        Token: "session-token",
        Expiration: "2099-01-01T00:00:00Z",
        RoleArn: "arn:aws:iam::123456789012:role/codebuild-ci",
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fullUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/credentials/abc`;
  moto = await startMoto();
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await moto?.stop();
});

async function run(env: NodeJS.ProcessEnv) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ccreds-"));
  const output = path.join(dir, "creds.json");
  const lines: string[] = [];
  const code = await main(["container-credentials", "--output", output], {
    out: (t) => lines.push(t),
    log: (t) => lines.push(t),
    env,
    cwd: dir,
  });
  return { code, output, lines };
}

describe("ecs-pipeline container-credentials", () => {
  it("writes the build role's keys to a private file, which assume the environment's role in the right account", async () => {
    const { code, output, lines } = await run({ AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri });
    expect(code).toBe(0);
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(await readFile(output, "utf8")) as Record<string, string>;
    expect(creds).toMatchObject({ sessionToken: "session-token", expiration: "2099-01-01T00:00:00Z" });
    expect(lines.join("\n")).not.toContain(creds.secretAccessKey);

    const env = {
      name: "dev",
      aws: {
        accountId: "123456789012",
        region: "eu-west-1",
        endpoint: moto.endpoint,
        roles: { deploy: "arn:aws:iam::123456789012:role/platform-dev-deploy" },
      },
    } as EnvironmentConfig;
    const session = await openSession(env, {
      purpose: "deploy",
      vars: {
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        AWS_SESSION_TOKEN: creds.sessionToken,
      },
    });
    expect(session.identity.arn).toContain("assumed-role/platform-dev-deploy");
  });

  it("needs no keys read out beforehand: with only the URI, the core's SDK reads them inside the step and assumes the role", async () => {
    // What the Dagger module passes a CodeBuild step now: the URI as a Secret variable, nothing
    // else. The SDK's default chain (container provider) reads the process's own environment.
    const saved = { ...process.env };
    const keyNames = new Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]);
    process.env = Object.fromEntries(Object.entries(saved).filter(([name]) => !keyNames.has(name)));
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = fullUri;
    const before = authSeen.length;
    try {
      const env = {
        name: "dev",
        aws: {
          accountId: "123456789012",
          region: "eu-west-1",
          endpoint: moto.endpoint,
          roles: { deploy: "arn:aws:iam::123456789012:role/platform-dev-deploy" },
        },
      } as EnvironmentConfig;
      const session = await openSession(env, {
        purpose: "deploy",
        vars: { AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri },
      });
      expect(session.identity.arn).toContain("assumed-role/platform-dev-deploy");
      expect(authSeen.length).toBeGreaterThan(before);
    } finally {
      process.env = saved;
    }
  });

  it("sends the authorization token when the endpoint requires one", async () => {
    await run({ AWS_CONTAINER_CREDENTIALS_FULL_URI: fullUri, AWS_CONTAINER_AUTHORIZATION_TOKEN: "auth-123" });
    expect(authSeen.at(-1)).toBe("auth-123");
  });

  it("refuses a full URI that is neither https nor loopback", async () => {
    const { code, lines } = await run({ AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://example.com/creds" });
    expect(code).toBe(2);
    expect(lines[0]).toContain("expected an https URL, or an http URL on loopback");
  });

  it("is a user error outside CodeBuild and ECS", async () => {
    const { code, lines } = await run({});
    expect(code).toBe(2);
    expect(lines[0]).toContain("neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI");
  });
});
