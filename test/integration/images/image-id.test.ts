import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTarballImage } from "../../../src/images/image-id.js";
import { alpineRootfs, tarBytes, writeDockerArchive, writeOciArchive, writeOciLayout } from "./support/oci.js";

// The identity publish checks scans against, read from the tarball formats image tools
// write: OCI layout archives (Dagger's asTarball), and `docker save` archives (via skopeo).
let work: string;
const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "image-id-"));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function configDigestOf(layoutDir: string, manifestDigest: string): Promise<string> {
  const manifest = JSON.parse(
    await readFile(path.join(layoutDir, "blobs", "sha256", manifestDigest.slice(7)), "utf8"),
  ) as {
    config: { digest: string };
  };
  return manifest.config.digest;
}

describe("reading which image a tarball holds", () => {
  it("gives the config digest for an OCI archive and for the docker archive of the same image", async () => {
    const layout = path.join(work, "layout");
    const manifest = await writeOciLayout(layout, [{ architecture: "amd64", files }]);
    const expected = await configDigestOf(layout, manifest);
    await writeOciArchive(path.join(work, "oci.tar"), [{ architecture: "amd64", files }]);
    await writeDockerArchive(path.join(work, "docker.tar"), { architecture: "amd64", files });
    expect(await readTarballImage(path.join(work, "oci.tar"))).toEqual({ imageId: expected, format: "oci" });
    expect(await readTarballImage(path.join(work, "docker.tar"))).toEqual({
      imageId: expected,
      format: "docker-archive",
    });
  });

  it("tells different images apart", async () => {
    await writeOciArchive(path.join(work, "other.tar"), [{ architecture: "arm64", files }]);
    const a = await readTarballImage(path.join(work, "oci.tar"));
    const b = await readTarballImage(path.join(work, "other.tar"));
    expect(a.imageId).not.toBe(b.imageId);
  });

  it("refuses a multi-platform archive: each platform is scanned and attested on its own", async () => {
    await writeOciArchive(path.join(work, "multi.tar"), [
      { architecture: "amd64", files },
      { architecture: "arm64", files },
    ]);
    await expect(readTarballImage(path.join(work, "multi.tar"))).rejects.toThrow(
      /it holds 2 images; scan one platform at a time/,
    );
  });

  it("skips BuildKit's provenance entries when finding the image", async () => {
    const layout = path.join(work, "attested");
    const manifest = await writeOciLayout(layout, [{ architecture: "amd64", files }]);
    const expected = await configDigestOf(layout, manifest);
    const raw = await readFile(path.join(layout, "index.json"), "utf8");
    const index = JSON.parse(raw) as { manifests: object[] };
    const provenance = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: manifest,
      size: 1,
      annotations: { "vnd.docker.reference.type": "attestation-manifest" },
    };
    const nested = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [...index.manifests, provenance] }));
    const nestedDigest = `sha256:${createHash("sha256").update(nested).digest("hex")}`;
    const entries = [
      { path: "oci-layout", content: '{"imageLayoutVersion":"1.0.0"}' },
      {
        path: "index.json",
        content: JSON.stringify({
          schemaVersion: 2,
          manifests: [
            { mediaType: "application/vnd.oci.image.index.v1+json", digest: nestedDigest, size: nested.length },
          ],
        }),
      },
      { path: `blobs/sha256/${nestedDigest.slice(7)}`, content: nested.toString() },
      {
        path: `blobs/sha256/${manifest.slice(7)}`,
        content: await readFile(path.join(layout, "blobs", "sha256", manifest.slice(7)), "utf8"),
      },
    ];
    await writeFile(path.join(work, "attested.tar"), tarBytes(entries));
    expect((await readTarballImage(path.join(work, "attested.tar"))).imageId).toBe(expected);
  });

  it("says what is wrong with a file that is not an image tarball", async () => {
    await writeFile(path.join(work, "notes.tar"), tarBytes([{ path: "notes.txt", content: "hello" }]));
    await expect(readTarballImage(path.join(work, "notes.tar"))).rejects.toThrow(
      /Failed to read image tarball .*notes\.tar: neither index\.json \(OCI layout\) nor manifest\.json \(docker save\) is in it/,
    );
    await expect(readTarballImage(path.join(work, "missing.tar"))).rejects.toThrow(
      /Failed to read image tarball .*missing\.tar/,
    );
  });
});
