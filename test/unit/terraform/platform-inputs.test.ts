import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../../src/config/load.js";
import { healthCheckPaths } from "../../../src/terraform/platform-inputs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("the health-check paths the plan gives Terraform (health_check_paths)", () => {
  it("are each environment file's healthCheck.path, for all three services, so Terraform checks every container", async () => {
    for (const name of ["dev", "staging", "prod", "local"]) {
      const env = await loadEnvironment(name, { root });
      expect(healthCheckPaths(env), name).toEqual(
        Object.fromEntries(env.services.map((s) => [s.name, s.healthCheck.path])),
      );
      expect(Object.keys(healthCheckPaths(env)).sort(), name).toEqual(["bedrock-gateway", "mcpo", "open-webui"]);
    }
  });

  it("leave out a service configured to deploy unchecked (healthCheck.none): Terraform gives it no health check", async () => {
    const env = await loadEnvironment("dev", { root });
    const services = env.services.map((s) =>
      s.name === "mcpo" ? { ...s, healthCheck: { none: true as const, reason: "no listener" } } : s,
    );
    expect(healthCheckPaths({ ...env, services })).toEqual({ "open-webui": "/health", "bedrock-gateway": "/health" });
  });
});
