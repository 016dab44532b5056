import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AWS_IDENTITY as IDENTITY,
  constructorArgs,
  introspectModule,
  type RegisteredFunction,
} from "../support/introspect.js";

/** Every function that reaches AWS: Terraform, ECR, ECS, and the composites over them. */
const REACHES_AWS = [
  "plan",
  "apply",
  "publish",
  "promote",
  "deployService",
  "rollback",
  "status",
  "pullRequest",
  "deploy",
  "detectDrift",
];

async function functions(): Promise<Record<string, RegisteredFunction>> {
  return (await introspectModule()).objects.EcsPipeline!.functions;
}

describe("the AWS identity of the Dagger module", () => {
  it("is declared once, as the seven optional Secrets of the constructor (`dagger call --aws-... <function>`)", async () => {
    const ctor = await constructorArgs();
    expect(Object.keys(ctor)).toEqual([...IDENTITY, "awsEndpoint"]);
    for (const arg of IDENTITY) {
      const a = ctor[arg]!;
      expect({ type: a.type, optional: a.optional, defaultValue: a.defaultValue }, arg).toEqual({
        type: "Secret",
        optional: true,
        defaultValue: undefined,
      });
    }
  });

  it("takes an emulator for the local environment as an optional Service (`--aws-endpoint tcp://localhost:5000`)", async () => {
    const endpoint = (await constructorArgs()).awsEndpoint!;
    expect({ type: endpoint.type, optional: endpoint.optional }).toEqual({ type: "Service", optional: true });
    expect(endpoint.description).toMatch(/tcp:\/\/localhost:5000/);
    expect(endpoint.description).toMatch(/Refused for real accounts/);
  });

  it("documents each argument in its own words, which is the `dagger call --help` of each flag", async () => {
    const docs = Object.fromEntries(Object.entries(await constructorArgs()).map(([arg, a]) => [arg, a.description]));
    expect(new Set(Object.values(docs)).size).toBe(IDENTITY.length + 1);
    for (const text of Object.values(docs)) expect(text).not.toBe("");
    expect(docs.githubOidcRequestUrl).toMatch(/ACTIONS_ID_TOKEN_REQUEST_URL.*fresh OIDC token/);
    expect(docs.awsContainerCredentialsUri).toMatch(/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/);
  });

  it("is repeated in no function, so every function that reaches AWS reads as its own few arguments", async () => {
    const fns = await functions();
    for (const name of REACHES_AWS) {
      expect(fns[name], `${name} is registered`).toBeDefined();
      expect(fns[name]!.cache, name).toBe("never");
    }
    for (const [name, f] of Object.entries(fns)) {
      const credentialLike = Object.keys(f.args).filter((arg) => /^aws|oidc/i.test(arg));
      expect(credentialLike, name).toEqual([]);
    }
  });

  it("lets promote alone give the destination its own keys, as Secrets marked destination-only", async () => {
    const fns = await functions();
    for (const [name, f] of Object.entries(fns)) {
      const dest = Object.keys(f.args).filter((arg) => /^dest/i.test(arg));
      expect(dest, name).toEqual(
        name === "promote" ? ["destAwsAccessKeyId", "destAwsSecretAccessKey", "destAwsSessionToken"] : [],
      );
    }
    const promote = fns.promote!;
    for (const arg of ["destAwsAccessKeyId", "destAwsSecretAccessKey", "destAwsSessionToken"]) {
      expect(promote.args[arg]).toMatchObject({ type: "Secret", optional: true });
      expect(promote.args[arg]!.description, arg).toMatch(/^Destination only: /);
    }
  });
});

describe("the module's handling of secret values", () => {
  it("never reads a credential back to make it a Secret: no setSecret, no ecr-login or container-credentials output read", () => {
    // A value the module reads (file().contents(), stdout()) to pass to dag.setSecret is plaintext
    // in the engine's cache; credentials stay inside the exec that uses them (push-image, the SDK).
    const dir = path.join(import.meta.dirname, "../../dagger/src");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(path.join(dir, file), "utf8");
      expect(text, file).not.toMatch(/setSecret\(/);
      expect(text, file).not.toMatch(/"ecr-login"|"container-credentials"/);
    }
  });
});
