import { describe, expect, it } from "vitest";
import { introspectModule, type RegisteredArgument, type RegisteredFunction } from "../support/introspect.js";

const SOURCE_IGNORE = [
  "**/node_modules",
  ".git",
  "dist",
  "coverage",
  "dagger/sdk",
  "**/.terraform",
  "**/*.tfplan",
  ".pipeline",
];

async function fn(name: string): Promise<RegisteredFunction> {
  const found = (await introspectModule()).objects.EcsPipeline!.functions[name];
  if (!found) throw new Error(`EcsPipeline.${name} is not registered`);
  return found;
}

/** name -> "type[?][=default][@defaultPath]" in declaration order. */
function signature(args: Record<string, RegisteredArgument>): string[] {
  return Object.entries(args).map(
    ([name, a]) =>
      `${name}: ${a.type}${a.optional ? "?" : ""}${a.defaultValue === undefined ? "" : ` = ${JSON.stringify(a.defaultValue)}`}${
        a.defaultPath ? ` @ ${a.defaultPath}` : ""
      }`,
  );
}

/** The base identity every function that reaches AWS takes (dagger/src/aws.ts). */
const awsIdentity = [
  "awsAccessKeyId: Secret?",
  "awsSecretAccessKey: Secret?",
  "awsSessionToken: Secret?",
  "awsWebIdentityToken: Secret?",
  "githubOidcRequestUrl: Secret?",
  "githubOidcRequestToken: Secret?",
  "awsContainerCredentialsUri: Secret?",
];

describe("the Terraform functions as the engine would register them", () => {
  it("registers validateTerraform: cacheable, a HIGH default severity, tools to skip, reports as a directory", async () => {
    const f = await fn("validateTerraform");
    expect(f).toMatchObject({ cache: null, returns: "Directory" });
    expect(signature(f.args)).toEqual([
      "source: Directory @ /",
      'severity: string = "HIGH"',
      "skip: [string]?",
      "failOnFindings: boolean = true",
    ]);
    expect(f.args.source!.ignore).toEqual(SOURCE_IGNORE);
    expect(f.description).toMatch(/terraform\.sarif/);
  });

  it("registers plan: never cached, an environment, a lock timeout and credentials only as Secrets", async () => {
    const f = await fn("plan");
    expect(f).toMatchObject({ cache: "never", returns: "Directory" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "source: Directory @ /",
      "lockTimeout: integer = 60",
      ...awsIdentity,
    ]);
    expect(f.description).toMatch(/fingerprint\.json/);
  });

  it("registers apply: never cached, the plan directory, an explicit confirmation and a dry run", async () => {
    const f = await fn("apply");
    expect(f).toMatchObject({ cache: "never", returns: "string" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "plan: Directory",
      "source: Directory @ /",
      'confirm: string = ""',
      "dryRun: boolean = false",
      "lockTimeout: integer = 60",
      ...awsIdentity,
    ]);
    for (const a of Object.values(f.args)) expect(a.description).not.toBe("");
  });
});
