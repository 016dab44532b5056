/**
 * Image-half figures:
 *   1. the scan gate (parse Trivy JSON, gate, table, SARIF) on reports of 1,000 and 10,000
 *      findings, the size of a large base image's report and ten of them;
 *   2. promote between two local registries (Debian's docker-registry, skopeo) of a
 *      two-platform index with 16 MiB of incompressible layer per platform: the first copy,
 *      a second run (a no-op: only manifests are read), and a dry run.
 *
 * Run: PATH=$HOME/.cache/ecs-pipeline-toolchain/bin:$PATH npx tsx bench/images.ts
 * This is a measurement, not a test: it prints figures and asserts nothing.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promote, type PromoteOptions } from "../src/images/promote.js";
import { attest } from "../test/integration/images/support/attest.js";
import { scanGate } from "../src/images/scan.js";
import { skopeoClient } from "../src/images/skopeo.js";
import { writeOciLayout } from "../test/integration/images/support/oci.js";
import { startRegistry } from "../test/integration/images/support/registry.js";

const SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;

function report(n: number): string {
  const Vulnerabilities = Array.from({ length: n }, (_, i) => ({
    VulnerabilityID: `CVE-2099-${String(i).padStart(5, "0")}`,
    PkgName: `pkg-${i % 300}`,
    InstalledVersion: "1.0.0-r0",
    FixedVersion: "1.0.1-r0",
    Severity: SEVERITIES[i % 4],
    Title: `Test vulnerability number ${i} with a title of ordinary length`,
    Description: "x".repeat(400),
  }));
  return JSON.stringify({ SchemaVersion: 2, Results: [{ Target: "image (alpine 3.20.3)", Vulnerabilities }] });
}

async function timed<T>(label: string, f: () => Promise<T> | T): Promise<T> {
  const t = performance.now();
  const out = await f();
  console.log(`${label.padEnd(52)} ${(performance.now() - t).toFixed(0).padStart(6)} ms`);
  return out;
}

for (const n of [1_000, 10_000]) {
  const text = report(n);
  await timed(`scan gate + table + SARIF, ${n} findings`, () =>
    scanGate({
      reportText: text,
      ignores: [],
      threshold: "HIGH",
      artifact: "bench",
      imageId: undefined,
      now: new Date(),
    }),
  );
}

const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
const work = await mkdtemp(path.join(tmpdir(), "bench-images-"));
try {
  const blob = (arch: string) => ({
    path: `opt/${arch}.bin`,
    content: randomBytes(16 * 1024 * 1024).toString("latin1"),
  });
  await writeOciLayout(path.join(work, "layout"), [
    { architecture: "amd64", files: [blob("amd64")] },
    { architecture: "arm64", files: [blob("arm64")] },
  ]);
  execFileSync("skopeo", [
    "copy",
    "--quiet",
    "--all",
    "--preserve-digests",
    "--dest-tls-verify=false",
    `oci:${path.join(work, "layout")}`,
    `docker://${a.host}/bench/app:v1`,
  ]);
  const access = { authFile: undefined, tlsVerify: false };
  // What publish leaves beside the image: a passing scan attestation per platform image.
  await attest(a.host, "bench/app", "v1");
  const options = (dryRun: boolean): PromoteOptions => ({
    source: { registry: a.host, repository: "bench/app", reference: "v1" },
    destination: { registry: b.host, repository: "bench/app", tags: ["v1", "staging-v1"] },
    expectDigest: undefined,
    sourceAccess: access,
    destinationAccess: access,
    dryRun,
    registry: skopeoClient(),
    onProgress: () => {},
  });
  await timed("promote, dry run (resolve + re-check attestations + compare)", () => promote(options(true)));
  await timed("promote, first copy (2 platforms x 16 MiB, 2 tags + attestations)", () => promote(options(false)));
  await timed("promote, second run (no-op)", () => promote(options(false)));
} finally {
  await Promise.all([a.stop(), b.stop()]);
  await rm(work, { recursive: true, force: true });
}
