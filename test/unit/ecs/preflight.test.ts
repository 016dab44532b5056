import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../../src/config/load.js";
import { ociArchitecture, splitImage } from "../../../src/ecs/image-checks.js";
import { ourRegistry } from "../../../src/ecs/preflight.js";
import { PipelineError } from "../../../src/errors.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("where pre-flight looks for an image", () => {
  it("splits a reference as a registry does, Docker Hub's implicit host and library/ made explicit", () => {
    const ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    expect(splitImage(`${ecr}/platform/mcpo:abc@sha256:${"a".repeat(64)}`)).toEqual({
      host: ecr,
      repository: "platform/mcpo",
      reference: `sha256:${"a".repeat(64)}`,
    });
    expect(splitImage("docker.io/library/nginx:1.27")).toEqual({
      host: "docker.io",
      repository: "library/nginx",
      reference: "1.27",
    });
    expect(splitImage("nginx:1.27")).toEqual({ host: "docker.io", repository: "library/nginx", reference: "1.27" });
    expect(splitImage("platform/mcpo:v1")).toEqual({ host: "docker.io", repository: "platform/mcpo", reference: "v1" });
    expect(splitImage("127.0.0.1:5000/platform/mcpo:v1").host).toBe("127.0.0.1:5000");
    expect(splitImage("registry:5000/platform/mcpo:v1").host).toBe("registry:5000");
    expect(splitImage("localhost/platform/mcpo:v1").host).toBe("localhost");
  });

  it("maps ECS's cpuArchitecture to the OCI architecture, X86_64 when the revision names none", () => {
    expect(ociArchitecture("ARM64")).toBe("arm64");
    expect(ociArchitecture("X86_64")).toBe("amd64");
    expect(ociArchitecture(undefined)).toBe("amd64");
  });

  it("reads a real environment's images from its ECR, and takes a stand-in registry only for an emulator environment", async () => {
    const local = await loadEnvironment("local", { root });
    const dev = await loadEnvironment("dev", { root });
    const devEcr = `${dev.aws.accountId}.dkr.ecr.${dev.aws.region}.amazonaws.com`;
    expect(ourRegistry(dev, {})).toEqual({
      host: devEcr,
      names: [devEcr],
      ecr: devEcr,
      standIn: false,
      unreadable: false,
    });
    expect(ourRegistry(local, {})).toMatchObject({ standIn: false, unreadable: true });
    // The stand-in answers for the environment's ECR host too (an image may name either).
    expect(ourRegistry(local, { registry: "registry:5000" })).toEqual({
      host: "registry:5000",
      names: ["registry:5000", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
      ecr: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      standIn: true,
      unreadable: false,
    });
    const refused = (env: typeof local, registry: string) => {
      try {
        ourRegistry(env, { registry });
      } catch (err) {
        return err as PipelineError;
      }
      throw new Error("not refused");
    };
    expect(refused(dev, "127.0.0.1:5000")).toMatchObject({ code: "ecs.registry-override", source: "user" });
    expect(refused(dev, "127.0.0.1:5000").message).toContain("environment dev is not an emulator environment");
    expect(refused(local, "registry.example.com:5000").message).toContain("expected host[:port] of a registry");
  });
});
