import { describe, expect, it } from "vitest";
import { registeredFunction as fn, signature, SOURCE_IGNORE } from "../support/introspect.js";

describe("the Terraform functions as the engine would register them", () => {
  it("registers validateTerraform: cacheable, a HIGH default severity, tools to skip, the Terraform directory and explicit roots, reports as a directory", async () => {
    const f = await fn("validateTerraform");
    expect(f).toMatchObject({ cache: null, returns: "Directory" });
    expect(signature(f.args)).toEqual([
      "source: Directory @ /",
      'severity: string = "HIGH"',
      "skip: [string]?",
      "failOnFindings: boolean = true",
      'dir: string = "terraform"',
      "roots: [string]?",
    ]);
    expect(f.args.source!.ignore).toEqual(SOURCE_IGNORE);
    expect(f.description).toMatch(/terraform\.sarif/);
  });

  it("registers plan: never cached, an environment, a lock timeout and credentials only as Secrets", async () => {
    const f = await fn("plan");
    expect(f).toMatchObject({ cache: "never", returns: "Directory" });
    expect(signature(f.args)).toEqual(["env: string", "source: Directory @ /", "lockTimeout: integer = 60"]);
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
    ]);
    for (const a of Object.values(f.args)) expect(a.description).not.toBe("");
  });
});
