import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readYaml, type Yaml } from "./ci-configs.js";

const REPO = path.resolve(import.meta.dirname, "../..");
const SCRIPT = path.join(REPO, "scripts/install-dagger.sh");
const VERSION = "0.21.9";
const ARCH = process.arch === "arm64" ? "arm64" : "amd64";
const TARBALL = `dagger_v${VERSION}_linux_${ARCH}.tar.gz`;

/** A stand-in for dl.dagger.io: a release whose tarball holds a `dagger` that prints its version. */
describe("scripts/install-dagger.sh, the installer GitLab and CodeBuild run", () => {
  let server: Server;
  let url: string;
  let work: string;
  const files = new Map<string, Buffer>();

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "install-dagger-"));
    mkdirSync(path.join(work, "pkg"));
    writeFileSync(path.join(work, "pkg/dagger"), `#!/bin/sh\necho "dagger v${VERSION}"\n`, { mode: 0o755 });
    execFileSync("tar", ["-czf", path.join(work, TARBALL), "-C", path.join(work, "pkg"), "dagger"]);
    const tarball = readFileSync(path.join(work, TARBALL));
    files.set(`/releases/${VERSION}/${TARBALL}`, tarball);
    files.set(`/releases/${VERSION}/checksums.txt`, Buffer.from(`${sha256(tarball)}  ${TARBALL}\n`));
    server = createServer((req, res) => {
      const body = files.get(req.url ?? "");
      res.writeHead(body ? 200 : 404).end(body ?? "not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(work, { recursive: true, force: true });
  });

  // Asynchronous: the stand-in server answers from this same process.
  const install = (binDir: string, extra: Record<string, string> = {}) =>
    new Promise<{ status: number; stderr: string }>((resolve) => {
      const env = {
        PATH: process.env.PATH,
        DAGGER_VERSION: VERSION,
        BIN_DIR: binDir,
        DAGGER_DOWNLOAD_URL: url,
        ...extra,
      };
      execFile("sh", [SCRIPT], { env }, (err, _stdout, stderr) => {
        resolve({ status: err ? Number(err.code ?? 1) : 0, stderr });
      });
    });

  it("installs the pinned version once its tarball matches the release's checksum", async () => {
    const bin = path.join(work, "bin-ok");
    const r = await install(bin);
    expect(r.status, r.stderr).toBe(0);
    expect(execFileSync(path.join(bin, "dagger"), { encoding: "utf8" })).toBe(`dagger v${VERSION}\n`);
  });

  it("refuses a tarball that does not match, and installs nothing", async () => {
    const good = files.get(`/releases/${VERSION}/${TARBALL}`)!;
    files.set(`/releases/${VERSION}/${TARBALL}`, Buffer.concat([good, Buffer.from("tampered")]));
    try {
      const bin = path.join(work, "bin-tampered");
      const r = await install(bin);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${TARBALL} does not match the release's checksums.txt`);
      expect(existsSync(path.join(bin, "dagger"))).toBe(false);
    } finally {
      files.set(`/releases/${VERSION}/${TARBALL}`, good);
    }
  });

  it("refuses a tarball other than the pinned DAGGER_SHA256 when one is given", async () => {
    const r = await install(path.join(work, "bin-pinned"), { DAGGER_SHA256: "0".repeat(64) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is not the pinned DAGGER_SHA256");
  });

  it("is what GitLab and CodeBuild install with, at the version the GitHub workflows pin; nothing is piped to a shell", () => {
    expect(((readYaml(".gitlab-ci.yml").variables as Yaml) ?? {}).DAGGER_VERSION).toBe(VERSION);
    expect((((readYaml("buildspec.yml").env as Yaml).variables as Yaml) ?? {}).DAGGER_VERSION).toBe(VERSION);
    for (const file of [".gitlab-ci.yml", "buildspec.yml"]) {
      const text = readFileSync(path.join(REPO, file), "utf8");
      expect(text, file).toContain("sh scripts/install-dagger.sh");
      expect(text, file).not.toMatch(/\|\s*(ba)?sh\b/);
    }
  });
});

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
