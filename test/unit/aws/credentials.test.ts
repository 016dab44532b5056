import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { guardAccount } from "../../../src/aws/account-guard.js";
import { clientConfig } from "../../../src/aws/clients.js";
import { credentialSourceFromEnv, resolveCredentials } from "../../../src/aws/credentials.js";
import { openSession } from "../../../src/aws/session.js";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { PipelineError } from "../../../src/errors.js";
import { startMoto, type Moto } from "../../support/moto.js";

const ACCOUNT = "123456789012";
const OTHER = "210987654321";
const keys = { accessKeyId: "testing", secretAccessKey: "testing" };

function envFor(accountId: string, endpoint: string, roles: EnvironmentConfig["aws"]["roles"] = {}) {
  return { name: "local", aws: { accountId, region: "eu-west-1", endpoint, roles } } as EnvironmentConfig;
}

describe("credentials and the account guard, against STS on the emulator", () => {
  let moto: Moto;
  beforeAll(async () => {
    // No MOTO_ACCOUNT_ID: it would pin every request to one account and hide assumed roles in others.
    moto = await startMoto();
  });
  afterAll(async () => moto.stop());
  beforeEach(async () => moto.reset());

  it("lets static keys through when they belong to the environment's account", async () => {
    const env = envFor(ACCOUNT, moto.endpoint);
    const creds = resolveCredentials({ source: { kind: "static", keys }, region: "eu-west-1" });
    const identity = await guardAccount(env, clientConfig(env, creds));
    expect(identity.account).toBe(ACCOUNT);
  });

  it("refuses credentials of another account and names both account ids", async () => {
    const env = envFor(OTHER, moto.endpoint);
    const creds = resolveCredentials({ source: { kind: "static", keys }, region: "eu-west-1" });
    const err = await guardAccount(env, clientConfig(env, creds)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).code).toBe("aws.wrong-account");
    expect((err as PipelineError).message).toContain(ACCOUNT);
    expect((err as PipelineError).message).toContain(OTHER);
  });

  it("assumes the configured role with the base keys and lands in the role's account", async () => {
    const env = envFor(OTHER, moto.endpoint, { deploy: `arn:aws:iam::${OTHER}:role/deployer` });
    const session = await openSession(env, {
      purpose: "deploy",
      vars: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
    });
    expect(session.identity.account).toBe(OTHER);
    expect(session.identity.arn).toContain("assumed-role/deployer");
  });

  it("assumes the role with a CI OIDC token when one is given", async () => {
    const env = envFor(OTHER, moto.endpoint, { deploy: `arn:aws:iam::${OTHER}:role/oidc-deployer` });
    const session = await openSession(env, {
      purpose: "deploy",
      vars: { AWS_WEB_IDENTITY_TOKEN: "header.payload.signature" },
    });
    expect(session.identity.arn).toContain("assumed-role/oidc-deployer");
  });

  it("refreshes assumed-role credentials that would expire within the window, and not before", async () => {
    let clock = Date.now();
    const provider = resolveCredentials({
      source: { kind: "assume-role", roleArn: `arn:aws:iam::${ACCOUNT}:role/r`, base: keys },
      region: "eu-west-1",
      endpoint: moto.endpoint,
      durationSeconds: 900,
      refreshWindowMs: 60_000,
      now: () => clock,
    });
    const first = await provider();
    expect(first.expiration).toBeInstanceOf(Date);
    clock += 5 * 60_000;
    expect((await provider()).accessKeyId).toBe(first.accessKeyId);
    clock = first.expiration!.getTime() - 30_000;
    const refreshed = await provider();
    expect(refreshed.accessKeyId).not.toBe(first.accessKeyId);
  });

  it("fetches a fresh GitHub OIDC token for every refresh of the assumed role", async () => {
    const seen: string[] = [];
    const github = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value: `h.p${seen.length}.s` }));
    });
    await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
    try {
      const port = (github.address() as AddressInfo).port;
      const vars = {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?x=1`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: "req",
      };
      let clock = Date.now();
      const provider = resolveCredentials({
        source: credentialSourceFromEnv(vars, { roleArn: `arn:aws:iam::${ACCOUNT}:role/gha` }),
        region: "eu-west-1",
        endpoint: moto.endpoint,
        durationSeconds: 900,
        now: () => clock,
      });
      const first = await provider();
      clock = first.expiration!.getTime();
      const second = await provider();
      expect(second.accessKeyId).not.toBe(first.accessKeyId);
      expect(seen).toEqual([
        "/token?x=1&audience=sts.amazonaws.com bearer req",
        "/token?x=1&audience=sts.amazonaws.com bearer req",
      ]);
    } finally {
      await new Promise<void>((resolve) => github.close(() => resolve()));
    }
  });

  it("shares one STS call between concurrent callers", async () => {
    const provider = resolveCredentials({
      source: { kind: "assume-role", roleArn: `arn:aws:iam::${ACCOUNT}:role/r`, base: keys },
      region: "eu-west-1",
      endpoint: moto.endpoint,
    });
    const all = await Promise.all([provider(), provider(), provider()]);
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
  });
});

describe("choosing the credential source from environment variables", () => {
  const role = "arn:aws:iam::123456789012:role/deploy";

  it("uses static keys with their session token when no role is configured", () => {
    const source = credentialSourceFromEnv(
      { AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" },
      {},
    );
    expect(source).toEqual({ kind: "static", keys: { accessKeyId: "AKIA1", secretAccessKey: "s", sessionToken: "t" } });
  });

  it("prefers an OIDC token over keys when a role is configured", () => {
    const source = credentialSourceFromEnv(
      { AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s", AWS_WEB_IDENTITY_TOKEN: " tok\n" },
      { roleArn: role },
    );
    expect(source).toEqual({ kind: "web-identity", roleArn: role, token: "tok" });
  });

  it("reads the token from AWS_WEB_IDENTITY_TOKEN_FILE", () => {
    const source = credentialSourceFromEnv(
      { AWS_WEB_IDENTITY_TOKEN_FILE: "/tok" },
      { roleArn: role, readFile: (p) => `token-from-${p}` },
    );
    expect(source).toMatchObject({ kind: "web-identity", token: "token-from-/tok" });
  });

  it("refuses an OIDC token without a role to assume", () => {
    expect(() => credentialSourceFromEnv({ AWS_WEB_IDENTITY_TOKEN: "tok" }, {})).toThrow(/no role to assume/);
  });

  it("refuses half a key pair without echoing the half that was given", () => {
    const err = (() => {
      try {
        credentialSourceFromEnv({ AWS_ACCESS_KEY_ID: "AKIASECRETISH" }, {});
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toContain("AWS_SECRET_ACCESS_KEY is missing");
    expect(err?.message).not.toContain("AKIASECRETISH");
  });

  it("refuses when there is nothing to authenticate with", () => {
    expect(() => credentialSourceFromEnv({}, {})).toThrow(/neither AWS_ACCESS_KEY_ID/);
  });
});
