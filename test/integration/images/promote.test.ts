import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promote, type PromoteEvent, type PromoteOptions } from "../../../src/images/promote.js";
import { skopeoClient, manifestDigest } from "../../../src/images/skopeo.js";
import { requireTool } from "../../support/tools.js";
import { ECS } from "@aws-sdk/client-ecs";
import { motoCredentials, startMoto } from "../../support/moto.js";
import { rootWithEndpoint, runCli } from "./support/cli.js";
import { attest } from "./support/attest.js";
import { alpineRootfs, writeOciLayout } from "./support/oci.js";
import { startRegistry, type LocalRegistry } from "./support/registry.js";

// Two real registries on loopback stand for two environments' ECR registries; skopeo moves
// the image between them exactly as it does between ECR accounts (minus TLS and auth).
const sha = "0123456789abcdef0123456789abcdef01234567";
let dev: LocalRegistry;
let staging: LocalRegistry;
let work: string;
let indexDigest: string;
const plain = { authFile: undefined, tlsVerify: false };

beforeAll(async () => {
  requireTool("skopeo");
  [dev, staging] = await Promise.all([startRegistry(), startRegistry()]);
  work = await mkdtemp(path.join(tmpdir(), "promote-"));
  const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);
  indexDigest = await writeOciLayout(path.join(work, "layout"), [
    { architecture: "amd64", files },
    { architecture: "arm64", files: [...files, { path: "etc/arch", content: "arm64\n" }] },
  ]);
  execFileSync("skopeo", [
    "copy",
    "--all",
    "--preserve-digests",
    "--dest-tls-verify=false",
    `oci:${path.join(work, "layout")}`,
    `docker://${dev.host}/platform/mcpo:${sha}`,
  ]);
  await attest(dev.host, "platform/mcpo", sha);
});

afterAll(async () => {
  await Promise.all([dev?.stop(), staging?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

function options(overrides: Partial<PromoteOptions> = {}): PromoteOptions & { events: PromoteEvent[] } {
  const events: PromoteEvent[] = [];
  return {
    source: { registry: dev.host, repository: "platform/mcpo", reference: sha },
    destination: { registry: staging.host, repository: "platform/mcpo", tags: [sha, "staging-0123456789ab"] },
    expectDigest: undefined,
    sourceAccess: plain,
    destinationAccess: plain,
    dryRun: false,
    registry: skopeoClient(),
    onProgress: (e) => events.push(e),
    events,
    ...overrides,
  };
}

function remoteDigest(ref: string): string {
  return manifestDigest(execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]));
}

function remotePlatforms(ref: string): string[] {
  const out = execFileSync("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`], {
    encoding: "utf8",
  });
  return (JSON.parse(out) as { manifests: { platform: { architecture: string } }[] }).manifests.map(
    (m) => m.platform.architecture,
  );
}

describe("promote between two real registries", () => {
  it("plans without copying on a dry run", async () => {
    const result = await promote(options({ dryRun: true }));
    expect(result).toMatchObject({ digest: indexDigest, changed: true, dryRun: true });
    await expect(
      skopeoClient().manifest({ registry: staging.host, repository: "platform/mcpo", reference: sha }, plain),
    ).resolves.toBeUndefined();
  });

  it("copies the multi-platform index so it arrives with the same digest, both platforms, and every tag", async () => {
    const o = options();
    const result = await promote(o);
    expect(result).toMatchObject({ digest: indexDigest, platforms: ["linux/amd64", "linux/arm64"], changed: true });
    expect(remoteDigest(`${staging.host}/platform/mcpo@${indexDigest}`)).toBe(indexDigest);
    expect(remoteDigest(`${staging.host}/platform/mcpo:staging-0123456789ab`)).toBe(indexDigest);
    expect(remotePlatforms(`${staging.host}/platform/mcpo:${sha}`)).toEqual(["amd64", "arm64"]);
    expect(o.events.map((e) => e.kind)).toEqual(["resolved", "attested", "copying", "copying", "copying", "verified"]);
  });

  it("does nothing the second time", async () => {
    const o = options();
    const result = await promote(o);
    expect(result.changed).toBe(false);
    expect(o.events.map((e) => e.kind)).toEqual(["resolved", "attested", "present"]);
  });

  it("brings the scan attestations along, so the next promotion from the destination can re-check them", async () => {
    expect(remoteDigest(`${staging.host}/platform/mcpo:${indexDigest.replace(":", "-")}.scan`)).toBe(
      remoteDigest(`${dev.host}/platform/mcpo:${indexDigest.replace(":", "-")}.scan`),
    );
  });

  it("says clearly when the source has no such image", async () => {
    const missing = options({ source: { registry: dev.host, repository: "platform/mcpo", reference: "f".repeat(40) } });
    await expect(promote(missing)).rejects.toThrow(
      `Failed to promote ${dev.host}/platform/mcpo:${"f".repeat(40)}: no such image in the source registry`,
    );
    const missingDigest = options({
      source: { registry: dev.host, repository: "platform/mcpo", reference: `sha256:${"a".repeat(64)}` },
    });
    await expect(promote(missingDigest)).rejects.toThrow(/no such image in the source registry/);
  });

  it("refuses a source tag that no longer points at the expected digest", async () => {
    await expect(promote(options({ expectDigest: `sha256:${"b".repeat(64)}` }))).rejects.toThrow(
      `resolves to ${indexDigest}, not the expected sha256:${"b".repeat(64)}`,
    );
  });
});

describe("the promote command", () => {
  it("promotes a service of a commit to another environment and then reports it already there", async () => {
    // prod's tags (prod-<sha12>) are not in the second registry yet, so this copies.
    const args = ["promote", "--from", "dev", "--to", "prod", "--service", "mcpo", "--commit", sha];
    const local = ["--source-registry", dev.host, "--dest-registry", staging.host, "--insecure-registries"];
    const first = await runCli([...args, ...local, "--json"]);
    expect(first.log).toContain(`mcpo: ${dev.host}/platform/mcpo:${sha} is ${indexDigest} (linux/amd64, linux/arm64)`);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({
      results: [{ service: "mcpo", changed: true, digest: indexDigest, tags: [sha, "prod-0123456789ab"] }],
    });
    expect(remoteDigest(`${staging.host}/platform/mcpo:prod-0123456789ab`)).toBe(indexDigest);
    const again = await runCli([...args, ...local]);
    expect(again.out).toBe(`mcpo: already there ${staging.host}/platform/mcpo@${indexDigest}`);
  });

  it("refuses a digest without exactly one service", async () => {
    const run = await runCli(["promote", "--from", "dev", "--to", "staging", "--commit", sha, "--digest", indexDigest]);
    expect(run.code).toBe(2);
    expect(run.log).toContain("--digest needs exactly one --service");
  });
});

describe("promoting what runs in the source environment", () => {
  // The local environment on the emulator runs mcpo from a task definition pinning a digest;
  // the registries stand in for local's and staging's ECR.
  const sha2 = "89abcdef0123456789abcdef0123456789abcdef";
  const mcpoRepo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo";

  async function withRunning<T>(image: string, body: (root: string) => Promise<T>): Promise<T> {
    const moto = await startMoto();
    const root = await rootWithEndpoint(moto.endpoint, ["local"]);
    try {
      const c = motoCredentials();
      const ecs = new ECS({
        endpoint: moto.endpoint,
        region: "eu-west-1",
        credentials: { accessKeyId: c.AWS_ACCESS_KEY_ID!, secretAccessKey: c.AWS_SECRET_ACCESS_KEY! },
      });
      await ecs.createCluster({ clusterName: "platform-local" });
      const td = await ecs.registerTaskDefinition({
        family: "mcpo",
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: "256",
        memory: "512",
        containerDefinitions: [{ name: "mcpo", image, essential: true }],
      });
      await ecs.createService({
        cluster: "platform-local",
        serviceName: "mcpo",
        taskDefinition: td.taskDefinition!.taskDefinitionArn!,
        desiredCount: 1,
        launchType: "FARGATE",
      });
      ecs.destroy();
      return await body(root);
    } finally {
      await moto.stop();
      await rm(root, { recursive: true, force: true });
    }
  }

  const local = () => ["--source-registry", dev.host, "--dest-registry", staging.host, "--insecure-registries"];

  it("reads the digest the service runs from ECS and copies exactly that, named after its commit tag", async () => {
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${dev.host}/platform/mcpo@${indexDigest}`,
      `docker://${dev.host}/platform/mcpo:${sha2}`,
    ]);
    await withRunning(`${mcpoRepo}:${sha2}@${indexDigest}`, async (root) => {
      const run = await runCli(
        ["promote", "--from", "local", "--to", "staging", "--running", "--service", "mcpo", ...local(), "--json"],
        { cwd: root, env: motoCredentials() },
      );
      expect(run.log).toContain(`mcpo: runs ${mcpoRepo}:${sha2}@${indexDigest} in local`);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.out)).toMatchObject({
        results: [{ digest: indexDigest, changed: true, tags: [sha2, "staging-89abcdef0123"] }],
      });
      expect(remoteDigest(`${staging.host}/platform/mcpo:staging-89abcdef0123`)).toBe(indexDigest);
    });
  });

  it("refuses a service running an image from another repository", async () => {
    await withRunning("public.example.com/library/nginx:1.27", async (root) => {
      const run = await runCli(
        ["promote", "--from", "local", "--to", "staging", "--running", "--service", "mcpo", ...local()],
        { cwd: root, env: motoCredentials() },
      );
      expect(run.code).toBe(2);
      expect(run.log).toContain(
        "Failed to promote mcpo: it runs public.example.com/library/nginx:1.27, which is not from its repository platform/mcpo",
      );
    });
  });

  it("asks for what to promote when given neither --running nor --commit", async () => {
    const run = await runCli(["promote", "--from", "dev", "--to", "staging"]);
    expect(run.code).toBe(2);
    expect(run.log).toContain("pass --running (what runs now) or --commit SHA");
  });
});

describe("the scan attestations a promotion re-checks", () => {
  async function unattestedImage(tag: string, marker: string): Promise<string> {
    const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);
    const dir = path.join(work, `layout-${tag}`);
    const digest = await writeOciLayout(dir, [
      { architecture: "amd64", files: [...files, { path: "etc/marker", content: marker }] },
      { architecture: "arm64", files: [...files, { path: "etc/marker", content: `${marker}-arm64` }] },
    ]);
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${dir}`,
      `docker://${dev.host}/platform/unscanned:${tag}`,
    ]);
    return digest;
  }

  const target = (tag: string) => ({ registry: staging.host, repository: "platform/unscanned", reference: tag });

  it("stops before any change when the source image has no attestations", async () => {
    const tag = "a".repeat(40);
    const digest = await unattestedImage(tag, "none");
    const o = options({
      source: { registry: dev.host, repository: "platform/unscanned", reference: tag },
      destination: { registry: staging.host, repository: "platform/unscanned", tags: [tag] },
    });
    await expect(promote(o)).rejects.toThrow(
      `Failed to promote ${dev.host}/platform/unscanned:${tag} (${digest}): no scan attestations (${dev.host}/platform/unscanned:${digest.replace(":", "-")}.scan does not exist)`,
    );
    expect(o.events.map((e) => e.kind)).toEqual(["resolved"]);
    await expect(skopeoClient().manifest(target(tag), plain)).resolves.toBeUndefined();
  });

  it("stops before any change when an image's scan failed the gate", async () => {
    const tag = "b".repeat(40);
    await unattestedImage(tag, "failing");
    await attest(dev.host, "platform/unscanned", tag, false);
    const o = options({
      source: { registry: dev.host, repository: "platform/unscanned", reference: tag },
      destination: { registry: staging.host, repository: "platform/unscanned", tags: [tag] },
    });
    await expect(promote(o)).rejects.toThrow(
      /linux\/amd64 \(sha256:[0-9a-f]{64}\): its scan failed the gate \(2 finding\(s\) at or above CRITICAL\); linux\/arm64/,
    );
    await expect(skopeoClient().manifest(target(tag), plain)).resolves.toBeUndefined();
  });

  it("promotes without them only when told to, and says so", async () => {
    const tag = "c".repeat(40);
    await unattestedImage(tag, "allowed");
    const o = options({
      source: { registry: dev.host, repository: "platform/unscanned", reference: tag },
      destination: { registry: staging.host, repository: "platform/unscanned", tags: [tag] },
      allowUnattested: true,
    });
    const result = await promote(o);
    expect(result.changed).toBe(true);
    expect(o.events.map((e) => e.kind)).toEqual(["resolved", "unattested-allowed", "copying", "verified"]);
  });
});
