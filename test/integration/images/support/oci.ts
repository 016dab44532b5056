import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

/**
 * Crafts small container images at test time (no committed binaries): an uncompressed tar
 * writer, and OCI image layouts holding one image or a multi-platform index.
 */
export interface FileSpec {
  path: string;
  content: string;
  mode?: number;
}

/** A ustar archive of the files, directories implied by their paths, all owned by root, mtime 0. */
export function tarBytes(files: FileSpec[], encoding: BufferEncoding = "utf8"): Buffer {
  const blocks: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = `${parts.slice(0, i).join("/")}/`;
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      blocks.push(header(dir, 0, 0o755, "5"));
    }
    const data = Buffer.from(f.content, encoding);
    blocks.push(header(f.path, data.length, f.mode ?? 0o644, "0"), pad(data));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function header(name: string, size: number, mode: number, type: string): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long for this writer: ${name}`);
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.fill(" ", 148, 156);
  h.write(type, 156);
  h.write("ustar\u000000", 257, "binary");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "binary");
  return h;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, "0")}\0`;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export interface ImageSpec {
  architecture: "amd64" | "arm64";
  files: FileSpec[];
}

interface Blob {
  digest: string;
  size: number;
  mediaType: string;
}

const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";

/**
 * Writes an OCI image layout at `dir` whose index.json names one image, or (with several
 * specs) one image index of them all. Returns the digest of that top manifest or index.
 */
export async function writeOciLayout(dir: string, images: ImageSpec[]): Promise<string> {
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  const put = async (data: Buffer | string, mediaType: string): Promise<Blob> => {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    const digest = sha256(buf);
    await writeFile(path.join(dir, "blobs", "sha256", digest.slice(7)), buf);
    return { digest, size: buf.length, mediaType };
  };
  const manifests: (Blob & { platform: { os: string; architecture: string } })[] = [];
  for (const image of images) {
    const layerTar = tarBytes(image.files);
    const layer = await put(gzipSync(layerTar), "application/vnd.oci.image.layer.v1.tar+gzip");
    const config = await put(
      JSON.stringify({
        architecture: image.architecture,
        os: "linux",
        config: { Cmd: ["/bin/sh"] },
        rootfs: { type: "layers", diff_ids: [sha256(layerTar)] },
      }),
      "application/vnd.oci.image.config.v1+json",
    );
    const manifest = await put(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
      OCI_MANIFEST,
    );
    manifests.push({ ...manifest, platform: { os: "linux", architecture: image.architecture } });
  }
  const top =
    manifests.length === 1 && manifests[0]
      ? manifests[0]
      : await put(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }), OCI_INDEX);
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.size }],
    }),
  );
  return top.digest;
}

/** An Alpine-looking root filesystem whose apk database lists the given packages. */
export function alpineRootfs(release: string, packages: { name: string; version: string }[]): FileSpec[] {
  const installed = packages
    .map((p) => `P:${p.name}\nV:${p.version}\nA:x86_64\nL:MIT\no:${p.name}\nm:Test <test@example.com>\n`)
    .join("\n");
  return [
    { path: "etc/alpine-release", content: `${release}\n` },
    {
      path: "etc/os-release",
      content: `NAME="Alpine Linux"\nID=alpine\nVERSION_ID=${release}\nPRETTY_NAME="Alpine Linux v${release.split(".").slice(0, 2).join(".")}"\n`,
    },
    { path: "lib/apk/db/installed", content: `${installed}\n` },
  ];
}

/** The same layout as one tar file (what `docker save` / Dagger's asTarball hand over). */
export async function writeOciArchive(file: string, images: ImageSpec[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "oci-archive-"));
  try {
    const digest = await writeOciLayout(dir, images);
    const files: FileSpec[] = [];
    for (const name of [
      "oci-layout",
      "index.json",
      ...(await readdir(path.join(dir, "blobs", "sha256"))).map((b) => `blobs/sha256/${b}`),
    ]) {
      files.push({ path: name, content: (await readFile(path.join(dir, name))).toString("latin1") });
    }
    await writeFile(file, tarBytes(files, "latin1"));
    return digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A `docker save`-style tarball of one image, converted from an OCI layout by skopeo. */
export async function writeDockerArchive(file: string, image: ImageSpec): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "docker-archive-"));
  try {
    await writeOciLayout(dir, [image]);
    await rm(file, { force: true });
    execFileSync("skopeo", ["copy", "--quiet", `oci:${dir}`, `docker-archive:${file}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
