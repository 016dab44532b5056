import { describe, expect, it } from "vitest";
import { AWS_IDENTITY as IDENTITY, introspectModule, type RegisteredFunction } from "../support/introspect.js";

/** Every function that reaches AWS: Terraform, ECR, ECS, and the composites over them. */
const REACHES_AWS = [
  "plan",
  "apply",
  "publish",
  "promote",
  "deployService",
  "rollback",
  "pullRequest",
  "deploy",
  "detectDrift",
];

async function functions(): Promise<Record<string, RegisteredFunction>> {
  return (await introspectModule()).objects.EcsPipeline!.functions;
}

function identityArgs(f: RegisteredFunction): [string, RegisteredFunction["args"][string]][] {
  return Object.entries(f.args).filter(([name]) => IDENTITY.includes(name));
}

describe("the AWS identity of the Dagger functions", () => {
  it("is the same seven optional Secrets, in one run, in every function that reaches AWS", async () => {
    const fns = await functions();
    for (const name of REACHES_AWS) {
      const f = fns[name];
      expect(f, `${name} is registered`).toBeDefined();
      expect(f!.cache, name).toBe("never");
      const names = Object.keys(f!.args);
      const start = names.indexOf(IDENTITY[0]!);
      expect(names.slice(start, start + IDENTITY.length), name).toEqual(IDENTITY);
      for (const [arg, a] of identityArgs(f!)) {
        expect({ type: a.type, optional: a.optional }, `${name}(${arg})`).toEqual({ type: "Secret", optional: true });
      }
    }
  });

  it("is documented word for word alike everywhere, one distinct line per argument", async () => {
    const fns = await functions();
    const reference = Object.fromEntries(identityArgs(fns.plan!).map(([arg, a]) => [arg, a.description]));
    expect(new Set(Object.values(reference)).size).toBe(IDENTITY.length);
    for (const text of Object.values(reference)) expect(text).not.toBe("");
    expect(reference.githubOidcRequestUrl).toMatch(/ACTIONS_ID_TOKEN_REQUEST_URL.*fresh OIDC token/);
    expect(reference.awsContainerCredentialsUri).toMatch(/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/);
    for (const name of REACHES_AWS) {
      const docs = Object.fromEntries(identityArgs(fns[name]!).map(([arg, a]) => [arg, a.description]));
      expect(docs, name).toEqual(reference);
    }
  });

  it("is taken by no other function, so none reaches AWS with a partial identity", async () => {
    const fns = await functions();
    for (const [name, f] of Object.entries(fns)) {
      if (REACHES_AWS.includes(name)) continue;
      const credentialLike = Object.keys(f.args).filter((arg) => /^(dest)?aws|oidc/i.test(arg));
      expect(credentialLike, name).toEqual([]);
    }
  });

  it("lets promote give the destination its own keys, after the base identity and marked destination-only", async () => {
    const promote = (await functions()).promote!;
    const names = Object.keys(promote.args);
    expect(names.slice(-IDENTITY.length - 3)).toEqual([
      ...IDENTITY,
      "destAwsAccessKeyId",
      "destAwsSecretAccessKey",
      "destAwsSessionToken",
    ]);
    for (const arg of names.slice(-3)) {
      expect(promote.args[arg]).toMatchObject({ type: "Secret", optional: true });
      expect(promote.args[arg]!.description, arg).toMatch(/^Destination only: /);
    }
  });
});
