import { readFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../../support/tools.js";
import { sarifErrors } from "../../unit/images/fixtures/sarif-schema.js";
import { runCli } from "./support/cli.js";
import { alpineRootfs, writeDockerArchive } from "./support/oci.js";
import { buildTrivyCache } from "./support/trivy-db.js";

// Real Trivy, offline, against a DB built by the real trivy-db tool from the hand-written
// advisories in fixtures/advisories, on image tarballs crafted here.
let work: string;
let trivyCache: { cacheDir: string; cleanup: () => Promise<void> };
let trivy: string;

const packages = (busybox: string) => [
  { name: "alpine-baselayout", version: "3.6.5-r0" },
  { name: "busybox", version: busybox },
  { name: "zlib", version: "1.3.1-r0" },
  { name: "musl", version: "1.2.5-r0" },
];

beforeAll(async () => {
  trivy = requireTool("trivy");
  requireTool("skopeo");
  work = await mkdtemp(path.join(tmpdir(), "scan-"));
  trivyCache = await buildTrivyCache();
  // vulnerable: busybox below its fix (CRITICAL), zlib (HIGH), musl (LOW); patched: busybox fixed.
  await writeDockerArchive(path.join(work, "vulnerable.tar"), {
    architecture: "amd64",
    files: alpineRootfs("3.20.3", packages("1.36.1-r28")),
  });
  await writeDockerArchive(path.join(work, "patched.tar"), {
    architecture: "arm64",
    files: alpineRootfs("3.20.3", packages("1.36.1-r29")),
  });
});

afterAll(async () => {
  await trivyCache?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

function scan(image: string, outDir: string, extra: string[] = []) {
  const args = ["scan-image", "--image", path.join(work, image), "--cache-dir", trivyCache.cacheDir, "--offline"];
  return runCli([...args, "--trivy", trivy, "--out-dir", path.join(work, outDir), ...extra]);
}

function gate(outDir: string, extra: string[]) {
  return runCli([
    "scan-gate",
    "--report",
    path.join(work, outDir, "trivy.json"),
    "--out-dir",
    path.join(work, `${outDir}-gate`),
    ...extra,
  ]);
}

interface GateJson {
  passed: boolean;
  imageId: string;
  blocking: { id: string; pkgName: string; installedVersion: string; fixedVersion: string; severity: string }[];
  below: { id: string }[];
}

async function gateJson(dir: string): Promise<GateJson> {
  return JSON.parse(await readFile(path.join(work, dir, "report.json"), "utf8")) as GateJson;
}

describe("scanning crafted images with real Trivy", () => {
  it("finds the known-vulnerable package and fails the default CRITICAL gate on it alone", async () => {
    const run = await scan("vulnerable.tar", "vulnerable");
    expect(run.code).toBe(1);
    const report = await gateJson("vulnerable");
    expect(report.blocking).toEqual([
      expect.objectContaining({
        id: "CVE-2099-0001",
        pkgName: "busybox",
        installedVersion: "1.36.1-r28",
        fixedVersion: "1.36.1-r29",
        severity: "CRITICAL",
      }),
    ]);
    expect(report.below.map((f) => f.id)).toEqual(["CVE-2099-0002", "CVE-2099-0003"]);
    expect(run.log).toMatch(/CRITICAL\s+CVE-2099-0001\s+busybox\s+1\.36\.1-r28\s+1\.36\.1-r29\s+BLOCKS/);
    expect(run.log).toContain("FAILED: 1 finding at or above CRITICAL (0 ignored, 2 below CRITICAL).");
  });

  it("does not report a package at its fixed version", async () => {
    const run = await scan("patched.tar", "patched");
    expect(run.code).toBe(0);
    const report = await gateJson("patched");
    expect([...report.blocking, ...report.below].map((f) => f.id)).toEqual(["CVE-2099-0002", "CVE-2099-0003"]);
  });

  it("fails when a finding is at the threshold or above it, and passes when all are below", async () => {
    // The patched image's worst finding is HIGH.
    expect((await gate("patched", ["--threshold", "HIGH"])).code).toBe(1);
    expect((await gate("patched", ["--threshold", "medium"])).code).toBe(1);
    expect((await gate("patched", ["--threshold", "CRITICAL"])).code).toBe(0);
  });

  it("honours an ignore entry until it expires, then fails again and says the entry expired", async () => {
    const ignore = (date: string) =>
      `vulnerabilities:\n  - id: CVE-2099-0001\n    packages: [busybox]\n    expired_at: ${date}\n    statement: wget applet unused; fix scheduled\n`;
    await writeFile(path.join(work, "live.yaml"), ignore("2999-01-01"));
    await writeFile(path.join(work, "expired.yaml"), ignore("2020-01-01"));
    const live = await gate("vulnerable", ["--ignore-file", path.join(work, "live.yaml")]);
    expect(live.code).toBe(0);
    expect(live.log).toMatch(/CVE-2099-0001\s+busybox.*ignored until 2999-01-01/);
    const expired = await gate("vulnerable", ["--ignore-file", path.join(work, "expired.yaml")]);
    expect(expired.code).toBe(1);
    expect(expired.log).toContain(
      "Warning: ignore entry CVE-2099-0001 expired on 2020-01-01; its findings count again.",
    );
  });

  it("writes SARIF that is valid SARIF 2.1.0 with every finding of the real scan", async () => {
    const sarif = JSON.parse(await readFile(path.join(work, "vulnerable", "report.sarif"), "utf8")) as {
      runs: { results: { ruleId: string; level: string }[] }[];
    };
    expect(sarifErrors(sarif)).toEqual([]);
    expect(sarif.runs[0]?.results.map((r) => `${r.ruleId} ${r.level}`)).toEqual([
      "CVE-2099-0001 error",
      "CVE-2099-0002 warning",
      "CVE-2099-0003 warning",
    ]);
  });

  it("attests the image Trivy scanned: the tarball's config digest is Trivy's image id", async () => {
    const trivyReport = JSON.parse(await readFile(path.join(work, "patched", "trivy.json"), "utf8")) as {
      Metadata: { ImageID: string };
    };
    const run = await runCli([
      "scan-gate",
      "--report",
      path.join(work, "patched", "trivy.json"),
      "--image",
      path.join(work, "patched.tar"),
      "--out-dir",
      path.join(work, "attest"),
      "--json",
    ]);
    expect(run.code).toBe(0);
    const { attestation } = JSON.parse(run.out) as { attestation: { imageId: string; passed: boolean } };
    expect(attestation).toMatchObject({ imageId: trivyReport.Metadata.ImageID, passed: true });
  });
});

describe("publish's scan check on real tarballs", () => {
  it("lets through an image with a passing attestation and refuses one whose scan failed", async () => {
    await runCli([
      "scan-gate",
      "--report",
      path.join(work, "vulnerable", "trivy.json"),
      "--image",
      path.join(work, "vulnerable.tar"),
      "--out-dir",
      path.join(work, "attest"),
    ]);
    const ok = await runCli([
      "verify-scan",
      "--image",
      `mcpo linux/arm64=${path.join(work, "patched.tar")}`,
      "--attestations",
      path.join(work, "attest"),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe("1 verified, 0 bypassed");
    const refused = await runCli([
      "verify-scan",
      "--image",
      `mcpo linux/amd64=${path.join(work, "vulnerable.tar")}`,
      "--attestations",
      path.join(work, "attest"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.log).toMatch(
      /mcpo linux\/amd64 \(sha256:[0-9a-f]{64}\): its newest scan \([^)]*\) failed the gate \(1 finding\(s\) at or above CRITICAL\)/,
    );
  });

  it("refuses an image never scanned unless the bypass is asked for, and then says so", async () => {
    const args = ["verify-scan", "--image", `x=${path.join(work, "vulnerable.tar")}`];
    const refused = await runCli(args);
    expect(refused.code).toBe(2);
    expect(refused.log).toContain("no scan of this exact image was found");
    const bypass = await runCli([...args, "--allow-unscanned"]);
    expect(bypass.code).toBe(0);
    expect(bypass.log).toMatch(/^WARNING: pushing x \(sha256:[0-9a-f]{64}\) unscanned/);
  });
});
