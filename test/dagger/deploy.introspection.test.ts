import { describe, expect, it } from "vitest";
import { introspectModule, registeredFunction as fn, signature } from "../support/introspect.js";

const tail = [
  "confirm: string?",
  "dryRun: boolean = false",
  'format: OutputFormat = "text"',
  "timeoutSeconds: integer?",
  "healthUrl: string?",
  "keepRevisions: integer?",
  "roleArn: string?",
  "source: Directory? @ /",
];

describe("the ECS deploy functions as the engine would register them", () => {
  it("registers deployService, never cached, credentials only as Secrets, dry run off by default", async () => {
    const f = await fn("deployService");
    expect(f).toMatchObject({ cache: "never", check: false, returns: "string" });
    const bypasses = ["allowForeignImage: boolean = false", "allowUnscanned: boolean = false"];
    expect(signature(f.args)).toEqual([
      "env: string",
      "service: string",
      "image: string",
      ...tail.slice(0, -1),
      ...bypasses,
      ...tail.slice(-1),
    ]);
    expect(f.description).toMatch(/roll back to the revision that ran before/);
    expect(f.description).toMatch(/pre-flight/);
    // The bypasses are off by default and say they are loud.
    expect(f.args.allowForeignImage!.description).toMatch(/printed as a warning and recorded in the report/);
    expect(f.args.allowUnscanned!.description).toMatch(/printed as a warning and recorded in the report/);
  });

  it("registers rollback with an optional revision defaulting to the last stable one", async () => {
    const f = await fn("rollback");
    expect(f).toMatchObject({ cache: "never", check: false, returns: "string" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "service: string",
      "revision: string?",
      ...tail.slice(0, -1),
      "allowUnchecked: boolean = false",
      ...tail.slice(-1),
    ]);
    expect(f.args.revision!.description).toMatch(/last revision that was stable before the current one/);
    expect(f.args.allowUnchecked!.description).toMatch(/printed as a warning and recorded in the report/);
  });

  it("presents the result as text or json through a format enum, never a `json` flag the CLI owns", async () => {
    // `dagger call` defines -j/--json itself; an argument of that name fails every call (issue 10).
    expect((await introspectModule()).enums.OutputFormat).toEqual({ Text: "text", Json: "json" });
    for (const name of ["deployService", "rollback", "status"]) {
      const f = await fn(name);
      expect(f.args.json, name).toBeUndefined();
      expect(f.args.format!.description, name).toMatch(/text .* or json/);
    }
  });

  it("registers status, read-only and never cached: env, then an optional service and depth", async () => {
    const f = await fn("status");
    expect(f).toMatchObject({ cache: "never", check: false, returns: "string" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "service: string?",
      "depth: integer?",
      'format: OutputFormat = "text"',
      "source: Directory? @ /",
    ]);
    expect(f.description).toMatch(/history newest first/);
  });

  it("documents every argument of both, because the docs are `dagger call --help`", async () => {
    for (const name of ["deployService", "rollback"]) {
      for (const [arg, a] of Object.entries((await fn(name)).args))
        expect(a.description, `${name}.${arg}`).not.toBe("");
    }
  });
});
