import { describe, expect, it } from "vitest";
import { registeredFunction as fn, signature, SOURCE_IGNORE } from "../support/introspect.js";

describe("the image functions as the engine would register them", () => {
  it("registers buildAll: an environment, optional service and platform subsets, returning containers", async () => {
    const f = await fn("buildAll");
    expect(f).toMatchObject({ cache: "never", check: false, returns: "[Container]" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "source: Directory @ /",
      "services: [string]?",
      "platforms: [string]?",
    ]);
    expect(f.args.source!.ignore).toEqual(SOURCE_IGNORE);
    expect(f.description).toMatch(/without pushing/);
  });

  it("registers scanImage: a container, a CRITICAL default threshold, an ignore file and a DB mirror", async () => {
    const f = await fn("scanImage");
    expect(f).toMatchObject({ cache: "never", returns: "Directory" });
    expect(signature(f.args)).toEqual([
      "image: Container",
      'threshold: string = "CRITICAL"',
      "ignoreFile: File?",
      "dbRepository: string?",
      'artifact: string = "image"',
      "failOnFindings: boolean = true",
      "source: Directory? @ /",
    ]);
  });

  it("registers scanAll, whose directory publish takes as scans", async () => {
    const f = await fn("scanAll");
    expect(f).toMatchObject({ cache: "never", returns: "Directory" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "source: Directory @ /",
      "services: [string]?",
      'threshold: string = "CRITICAL"',
      "ignoreFile: File?",
      "dbRepository: string?",
    ]);
  });

  it("registers publish: scans itself unless given attestations, bypass off unless asked for, credentials only as Secrets", async () => {
    const f = await fn("publish");
    expect(f).toMatchObject({ cache: "never", returns: "string" });
    expect(signature(f.args)).toEqual([
      "env: string",
      "commitSha: string",
      "source: Directory @ /",
      "services: [string]?",
      "scans: Directory?",
      'threshold: string = "CRITICAL"',
      "ignoreFile: File?",
      "dbRepository: string?",
      "allowUnscanned: boolean = false",
      "dryRun: boolean = false",
    ]);
  });

  it("registers promote(fromEnv, toEnv, service?) of what runs, a commit optional, destination credentials as Secrets", async () => {
    const f = await fn("promote");
    expect(f).toMatchObject({ cache: "never", returns: "string" });
    expect(signature(f.args)).toEqual([
      "fromEnv: string",
      "toEnv: string",
      "service: string?",
      "commitSha: string?",
      "digest: string?",
      "dryRun: boolean = false",
      "source: Directory? @ /",
      "destAwsAccessKeyId: Secret?",
      "destAwsSecretAccessKey: Secret?",
      "destAwsSessionToken: Secret?",
    ]);
    expect(f.description).toMatch(/never\s+rebuilds/i);
    expect(f.description).toMatch(/live ECS task definition/);
  });
});
