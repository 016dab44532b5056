import { describe, expect, it } from "vitest";
import { createAttestation, parseAttestation, verifyScans } from "../../../src/images/attestation.js";
import { evaluateGate } from "../../../src/images/gate.js";
import type { Finding } from "../../../src/images/findings.js";

const now = new Date("2026-06-01T00:00:00Z");
const idA = `sha256:${"a".repeat(64)}`;
const idB = `sha256:${"b".repeat(64)}`;
const critical: Finding = {
  id: "CVE-2099-0001",
  pkgName: "busybox",
  installedVersion: "1",
  fixedVersion: "2",
  severity: "CRITICAL",
  title: undefined,
  description: undefined,
  url: undefined,
  purl: undefined,
  target: "t",
};

const attest = (imageId: string, findings: Finding[]) =>
  createAttestation(evaluateGate(findings, { threshold: "CRITICAL", ignores: [], now }), {
    imageId,
    artifact: "mcpo linux/amd64",
    now,
    trivyVersion: "0.74.0",
  });

describe("scan attestations", () => {
  it("round-trip through their JSON file and ignore other JSON", () => {
    const a = attest(idA, []);
    expect(parseAttestation(JSON.stringify(a))).toEqual(a);
    expect(parseAttestation('{"version": 2}')).toBeUndefined();
    expect(parseAttestation("not json")).toBeUndefined();
  });

  it("let an image through only with a passing attestation for exactly its id", () => {
    const result = verifyScans({
      images: [{ artifact: "a", imageId: idA }],
      attestations: [attest(idA, [])],
      allowUnscanned: false,
    });
    expect(result.verified).toEqual([{ artifact: "a", imageId: idA, scannedAt: now.toISOString() }]);
    expect(() =>
      verifyScans({
        images: [{ artifact: "b", imageId: idB }],
        attestations: [attest(idA, [])],
        allowUnscanned: false,
      }),
    ).toThrow(/b \(sha256:b+\): no scan of this exact image was found/);
  });

  it("refuse every failing image at once, and bypass only when asked, recording why", () => {
    const images = [
      { artifact: "a", imageId: idA },
      { artifact: "b", imageId: idB },
    ];
    const attestations = [attest(idA, [critical])];
    expect(() => verifyScans({ images, attestations, allowUnscanned: false })).toThrow(
      /2 image\(s\) have not passed scanImage:\n {2}- a .*its newest scan \([^)]*\) failed the gate \(1 finding\(s\) at or above CRITICAL\)\n {2}- b /,
    );
    const bypassed = verifyScans({ images, attestations, allowUnscanned: true });
    expect(bypassed.bypassed.map((b) => b.artifact)).toEqual(["a", "b"]);
  });
});
