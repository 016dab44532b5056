import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanAttestation } from "../../../src/images/attestation.js";
import { readAttestations } from "../../../src/images/attested.js";
import { readTarballImage } from "../../../src/images/image-id.js";
import { publishService, type PublishServiceOptions } from "../../../src/images/publish.js";
import { skopeoImagePusher } from "../../../src/images/publish-registry.js";
import { manifestDigest, skopeoClient } from "../../../src/images/skopeo.js";
import { requireTool } from "../../support/tools.js";
import { alpineRootfs, writeOciArchive } from "./support/oci.js";
import { startRegistry, type LocalRegistry } from "./support/registry.js";

// A real registry on loopback stands for ECR; it would let a tag move, ECR (immutable tags)
// would not, so every test also checks that no tag ever moved.
const sha = "0123456789abcdef0123456789abcdef01234567";
const tags = [sha, "dev-0123456789ab"];
const plain = { authFile: undefined, tlsVerify: false };
let registry: LocalRegistry;
let work: string;

beforeAll(async () => {
  requireTool("skopeo");
  registry = await startRegistry();
  work = await mkdtemp(path.join(tmpdir(), "publish-"));
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A build of the service: same commit, a different build id gives different bytes. */
async function build(
  name: string,
  buildId: string,
): Promise<{ archive: string; digest: string; attestation: ScanAttestation }> {
  const archive = path.join(work, `${name}.tar`);
  const files = [...alpineRootfs("3.20.3", []), { path: "srv/build", content: buildId }];
  const digest = await writeOciArchive(archive, [{ architecture: "amd64", files }]);
  const { imageId } = await readTarballImage(archive);
  const attestation: ScanAttestation = {
    kind: "ecs-pipeline/scan-attestation",
    version: 1,
    imageId,
    artifact: `mcpo linux/amd64`,
    passed: true,
    threshold: "CRITICAL",
    scannedAt: new Date().toISOString(),
    counts: { blocking: 0, ignored: 0, below: 0 },
  };
  return { archive, digest, attestation };
}

function publish(repository: string, archive: string, attestations: ScanAttestation[], log: string[] = []) {
  const o: PublishServiceOptions = {
    service: "mcpo",
    registry: registry.host,
    repository,
    tags,
    archive,
    attestations,
    client: skopeoClient(),
    access: plain,
    pushImage: skopeoImagePusher(plain),
    onProgress: (m) => log.push(m),
  };
  return publishService(o);
}

const remote = (repository: string, tag: string) =>
  manifestDigest(
    execFileSync("skopeo", [
      "inspect",
      "--raw",
      "--tls-verify=false",
      `docker://${registry.host}/${repository}:${tag}`,
    ]),
  );

describe("publishing under immutable tags", () => {
  it("pushes every tag and the scan attestations (as promote reads them), and a second run with the same digest pushes nothing", async () => {
    const first = await build("same", "1");
    const pushed = await publish("p/same", first.archive, [first.attestation]);
    expect(pushed).toMatchObject({ outcome: "pushed", digest: first.digest, built: first.digest });
    expect(pushed.references).toEqual(tags.map((t) => `${registry.host}/p/same:${t}@${first.digest}`));
    for (const t of tags) expect(remote("p/same", t)).toBe(first.digest);
    const stored = await readAttestations(
      skopeoClient(),
      { registry: registry.host, repository: "p/same" },
      first.digest,
      plain,
    );
    expect(stored?.attestations).toEqual([first.attestation]);
    const log: string[] = [];
    const again = await publish("p/same", first.archive, [first.attestation], log);
    expect(again).toMatchObject({ outcome: "already-published", digest: first.digest });
    expect(log.join("\n")).not.toMatch(/pushing|tagging/);
  });

  it("reuses the earlier build's digest when its stored scan passed, pushing nothing", async () => {
    const earlier = await build("reuse-1", "1");
    await publish("p/reuse", earlier.archive, [earlier.attestation]);
    const rebuilt = await build("reuse-2", "2");
    expect(rebuilt.digest).not.toBe(earlier.digest);
    const log: string[] = [];
    const result = await publish("p/reuse", rebuilt.archive, [rebuilt.attestation], log);
    expect(result).toMatchObject({ outcome: "reused", digest: earlier.digest, built: rebuilt.digest });
    expect(result.references[0]).toBe(`${registry.host}/p/reuse:${sha}@${earlier.digest}`);
    expect(log.join("\n")).toMatch(/its scan passed, so it is reused/);
    for (const t of tags) expect(remote("p/reuse", t)).toBe(earlier.digest);
  });

  it("refuses, naming the tag, both digests and what to do, when the earlier build has no passing scan", async () => {
    const unscanned = await build("refuse-1", "1");
    await publish("p/refuse", unscanned.archive, []); // pushed without attestations (allowUnscanned)
    const rebuilt = await build("refuse-2", "2");
    const err = (await publish("p/refuse", rebuilt.archive, [rebuilt.attestation]).catch((e: unknown) => e)) as {
      message: string;
      hint: string;
      code: string;
    };
    expect(err.code).toBe("images.tag-taken");
    expect(err.message).toContain(`tag ${sha}`);
    expect(err.message).toContain(unscanned.digest);
    expect(err.message).toContain(rebuilt.digest);
    expect(err.message).toMatch(/immutable.*no scan attestations/);
    expect(err.hint).toMatch(/new commit.*batch-delete-image/s);
    for (const t of tags) expect(remote("p/refuse", t)).toBe(unscanned.digest);
  });

  it("completes a half-published image: a missing tag is pointed at the digest already pushed", async () => {
    const first = await build("half", "1");
    execFileSync("skopeo", [
      "copy",
      "--dest-tls-verify=false",
      `oci-archive:${first.archive}`,
      `docker://${registry.host}/p/half:${sha}`,
    ]);
    const result = await publish("p/half", first.archive, [first.attestation]);
    expect(result).toMatchObject({ outcome: "already-published", digest: first.digest });
    expect(remote("p/half", tags[1]!)).toBe(first.digest);
  });
});
