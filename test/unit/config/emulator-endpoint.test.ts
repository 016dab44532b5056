import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../../src/config/load.js";
import { environmentOption } from "../../../src/cli/command.js";
import { PipelineError } from "../../../src/errors.js";

const repo = path.resolve(".");

/** A copy of environments/ whose file `name` has aws.endpoint set to `endpoint`. */
function withEndpoint(name: string, endpoint: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "endpoint-"));
  cpSync(path.join(repo, "environments"), path.join(root, "environments"), { recursive: true });
  const file = path.join(root, "environments", `${name}.json`);
  const env = JSON.parse(readFileSync(file, "utf8")) as { aws: Record<string, unknown> };
  env.aws.endpoint = endpoint;
  writeFileSync(file, JSON.stringify(env, null, 2));
  return root;
}

async function failure(load: Promise<unknown>): Promise<PipelineError> {
  const err: unknown = await load.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PipelineError);
  return err as PipelineError;
}

describe("aws.endpoint: only an emulator's address", () => {
  it("accepts loopback and a service name bound beside the step", async () => {
    for (const endpoint of [
      "http://127.0.0.1:5000",
      "http://localhost:4566",
      "http://[::1]:5000",
      "http://moto:5000",
    ]) {
      const env = await loadEnvironment("local", { root: withEndpoint("local", endpoint) });
      expect(env.aws.endpoint, endpoint).toBe(endpoint);
    }
  });

  it("refuses any other host in the file, naming the field and why, so a config change cannot redirect a real account", async () => {
    for (const endpoint of [
      "https://sts.attacker.example",
      "http://10.0.0.5:5000",
      "http://user:pw@127.0.0.1:5000",
      "ftp://127.0.0.1",
    ]) {
      const err = await failure(loadEnvironment("dev", { root: withEndpoint("dev", endpoint) }));
      expect(err.code, endpoint).toBe("config.invalid");
      expect(err.message, endpoint).toMatch(/aws\.endpoint/);
    }
    const err = await failure(loadEnvironment("dev", { root: withEndpoint("dev", "https://sts.attacker.example") }));
    expect(err.message).toContain("never points a real account's calls at another host");
  });
});

describe("ECS_PIPELINE_AWS_ENDPOINT (set by the Dagger module when it binds an emulator)", () => {
  it("points an emulator environment at the bound emulator", async () => {
    const env = await loadEnvironment("local", { root: repo, vars: { ECS_PIPELINE_AWS_ENDPOINT: "http://aws:5000/" } });
    expect(env.aws.endpoint).toBe("http://aws:5000");
  });

  it("is refused for an environment whose file sets no endpoint: it never sends a real account's calls elsewhere", async () => {
    const err = await failure(
      loadEnvironment("prod", { root: repo, vars: { ECS_PIPELINE_AWS_ENDPOINT: "http://aws:5000" } }),
    );
    expect(err.code).toBe("config.endpoint-override");
    expect(err.message).toContain('environment "prod" is not an emulator environment');
    expect(err.hint).toMatch(/only emulator environments/);
  });

  it("is held to the same rule as the file", async () => {
    const err = await failure(
      loadEnvironment("local", { root: repo, vars: { ECS_PIPELINE_AWS_ENDPOINT: "https://elsewhere.example.com" } }),
    );
    expect(err.code).toBe("config.endpoint-override");
  });

  it("changes nothing when unset", async () => {
    expect((await loadEnvironment("local", { root: repo, vars: {} })).aws.endpoint).toBe("http://127.0.0.1:5000");
    expect((await loadEnvironment("dev", { root: repo, vars: {} })).aws.endpoint).toBeUndefined();
  });
});

describe("every CLI verb loads its environment with the module's endpoint override", () => {
  it("points an emulator environment at the bound emulator, for each option that names one", async () => {
    const io = {
      out: () => {},
      log: () => {},
      cwd: repo,
      env: { ECS_PIPELINE_AWS_ENDPOINT: "http://aws:5000" },
    };
    // status, wait-services, unlock-service and push-images once loaded without it: inside the
    // module they then called the laptop's 127.0.0.1 instead of the emulator bound beside them.
    const env = await environmentOption({ env: "local" }, io, "status");
    expect(env.aws.endpoint).toBe("http://aws:5000");
    const to = await environmentOption({ to: "local" }, io, "promote", "to");
    expect(to.aws.endpoint).toBe("http://aws:5000");
  });
});
