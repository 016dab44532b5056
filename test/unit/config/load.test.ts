import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findService, listEnvironments, loadEnvironment } from "../../../src/config/load.js";
import { renderJsonSchema } from "../../../src/config/json-schema.js";
import { PipelineError } from "../../../src/errors.js";

const repo = path.resolve(".");

/** A copy of environments/ in a scratch repository, with one file replaced. */
function scratchRepo(files: Record<string, unknown> = {}): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "envs-"));
  cpSync(path.join(repo, "environments"), path.join(root, "environments"), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(
      path.join(root, "environments", name),
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
  return root;
}

function devConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(repo, "environments/dev.json"), "utf8")) as Record<string, unknown>;
}

async function loadError(name: string, root: string): Promise<PipelineError> {
  const err: unknown = await loadEnvironment(name, { root }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PipelineError);
  return err as PipelineError;
}

describe("environment files", () => {
  it("defines dev, local, prod and staging, and every one of them validates", async () => {
    expect(await listEnvironments({ root: repo })).toEqual(["dev", "local", "prod", "staging"]);
    for (const name of ["dev", "local", "prod", "staging"]) {
      const env = await loadEnvironment(name, { root: repo });
      expect(env.name).toBe(name);
      expect(env.services.map((s) => s.name)).toEqual(["open-webui", "bedrock-gateway", "mcpo"]);
    }
  });

  it("requires approval for prod and for no other environment", async () => {
    const required = await Promise.all(
      ["dev", "local", "prod", "staging"].map(
        async (n) => (await loadEnvironment(n, { root: repo })).approval.required,
      ),
    );
    expect(required).toEqual([false, false, true, false]);
  });

  it("fills defaults a user may leave out: runtime platform, Dockerfile, deploy timeout, roles", async () => {
    const config = devConfig();
    const services = config.services as Array<{ build: Record<string, unknown> }>;
    delete services[0]!.build.platforms;
    delete services[0]!.build.dockerfile;
    delete config.deploy;
    delete (config.aws as Record<string, unknown>).roles;
    const env = await loadEnvironment("dev", { root: scratchRepo({ "dev.json": config }) });
    expect(env.services[0]!.build.platforms).toBeUndefined(); // derived from the runtime platform
    expect(env.services[0]!.runtimePlatform).toEqual({ cpuArchitecture: "X86_64" });
    expect(env.services[0]!.build.dockerfile).toBe("Dockerfile");
    expect(env.deploy.timeoutSeconds).toBe(900);
    expect(env.aws.roles).toEqual({});
  });

  it("points every file at the committed JSON Schema, which matches the zod schema", () => {
    for (const name of ["dev", "local", "prod", "staging"]) {
      expect(JSON.parse(readFileSync(path.join(repo, `environments/${name}.json`), "utf8")).$schema).toBe(
        "./schema.json",
      );
    }
    // Fails while someone changed the zod schema without `npm run schema`.
    expect(readFileSync(path.join(repo, "environments/schema.json"), "utf8")).toBe(renderJsonSchema());
  });
});

describe("bad environment input", () => {
  it("names the valid environments when asked for an unknown one", async () => {
    const err = await loadError("qa", repo);
    expect(err.code).toBe("config.unknown-environment");
    expect(err.message).toBe('Unknown environment "qa". Valid environments: dev, local, prod, staging.');
    expect(err.hint).toContain("environments/qa.json");
  });

  it("reports every problem in a file at once, each with file, field path, what was found and what was expected", async () => {
    const config = devConfig();
    (config.aws as Record<string, unknown>).accountId = 1234;
    const services = config.services as Array<Record<string, Record<string, unknown>>>;
    services[1]!.ecs!.cluster = 42;
    services[2]!.build!.platforms = ["windows/amd64"];
    services[2]!.healthCheck!.path = "health";
    const err = await loadError("dev", scratchRepo({ "dev.json": config }));
    expect(err.code).toBe("config.invalid");
    const lines = err.message.split("\n");
    expect(lines[0]).toBe("environments/dev.json is invalid (4 problems):");
    expect(lines.slice(1).sort()).toEqual(
      [
        "  - aws.accountId: found number 1234, expected string",
        "  - services[1].ecs.cluster: found number 42, expected string",
        '  - services[2].build.platforms[0]: found string "windows/amd64", expected one of "linux/amd64", "linux/arm64"',
        '  - services[2].healthCheck.path: found string "health", expected a path starting with /',
      ].sort(),
    );
  });

  it("says which field is missing and which are unknown", async () => {
    const config = devConfig();
    delete config.terraform;
    config.approvals = { required: true };
    const err = await loadError("dev", scratchRepo({ "dev.json": config }));
    expect(err.message).toContain("  - terraform: found nothing (field missing), expected object");
    expect(err.message).toContain('  - (top level): found unknown field "approvals"');
  });

  it("refuses an upstream build context that is not pinned to a full commit", async () => {
    const config = devConfig();
    const services = config.services as Array<{ build: { context: Record<string, unknown> } }>;
    services[0]!.build.context = { git: "https://github.com/open-webui/open-webui.git", commit: "main" };
    const err = await loadError("dev", scratchRepo({ "dev.json": config }));
    expect(err.message).toContain("services[0].build.context.commit");
    expect(err.message).toContain("a full 40-character commit SHA");
  });

  it("refuses two services with the same name", async () => {
    const config = devConfig();
    const services = config.services as Array<{ name: string }>;
    services[2]!.name = "open-webui";
    const err = await loadError("dev", scratchRepo({ "dev.json": config }));
    expect(err.message).toContain('services[2].name: found string "open-webui", expected a unique service name');
  });

  it("says where a file is not JSON at all", async () => {
    const err = await loadError("dev", scratchRepo({ "dev.json": "{ name: dev" }));
    expect(err.code).toBe("config.invalid-json");
    expect(err.message).toMatch(/^environments\/dev\.json is not valid JSON: /);
  });

  it("refuses a file whose name field disagrees with its file name", async () => {
    const err = await loadError("dev", scratchRepo({ "dev.json": { ...devConfig(), name: "staging" } }));
    expect(err.message).toBe('environments/dev.json: name: found "staging", expected "dev" (the file name)');
  });

  it("lists the services of the environment when asked for an unknown one", async () => {
    const env = await loadEnvironment("dev", { root: repo });
    expect(() => findService(env, "grafana")).toThrow(
      'Unknown service "grafana" in environment dev. Services: open-webui, bedrock-gateway, mcpo.',
    );
  });
});
