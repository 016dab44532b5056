import { z } from "zod";
import { userError } from "../errors.js";
import type { GateResult } from "./gate.js";
import { SEVERITIES } from "./severity.js";

/**
 * A scan attestation: the record scanImage leaves that an image (by its config digest)
 * passed the gate. publish refuses an image without a passing one. It is a guard against
 * shipping by mistake (a skipped or failed scan), not against forgery: anyone who can write
 * the file can write a passing one, which is why the bypass is an explicit flag instead.
 */
export const attestationSchema = z
  .object({
    kind: z.literal("ecs-pipeline/scan-attestation"),
    version: z.literal(1),
    imageId: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    artifact: z.string(),
    passed: z.boolean(),
    threshold: z.enum(SEVERITIES),
    scannedAt: z.string().refine((t) => !Number.isNaN(Date.parse(t)), "an ISO date-time"),
    trivyVersion: z.string().optional(),
    counts: z.object({ blocking: z.number(), ignored: z.number(), below: z.number() }),
  })
  .strict();

export type ScanAttestation = z.infer<typeof attestationSchema>;

export interface AttestOptions {
  imageId: string;
  artifact: string;
  now: Date;
  trivyVersion: string | undefined;
}

export function createAttestation(gate: GateResult, options: AttestOptions): ScanAttestation {
  return {
    kind: "ecs-pipeline/scan-attestation",
    version: 1,
    imageId: options.imageId,
    artifact: options.artifact,
    passed: gate.passed,
    threshold: gate.threshold,
    scannedAt: options.now.toISOString(),
    ...(options.trivyVersion ? { trivyVersion: options.trivyVersion } : {}),
    counts: { blocking: gate.blocking.length, ignored: gate.ignored.length, below: gate.below.length },
  };
}

/** Reads one attestation file; anything else is skipped by the caller, so returns undefined. */
export function parseAttestation(text: string): ScanAttestation | undefined {
  try {
    const parsed = attestationSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface VerifyScanOptions {
  /** Images about to be pushed: artifact label and config digest. */
  images: { artifact: string; imageId: string }[];
  attestations: ScanAttestation[];
  /** Push even without a passing scan. Must be asked for explicitly. */
  allowUnscanned: boolean;
}

export interface VerifyScanResult {
  verified: { artifact: string; imageId: string; scannedAt: string }[];
  /** Images pushed without a passing scan because allowUnscanned was set. */
  bypassed: { artifact: string; imageId: string; reason: string }[];
}

/** Checks every image has a passing attestation for exactly its bytes, before anything is pushed. */
export function verifyScans(options: VerifyScanOptions): VerifyScanResult {
  const result: VerifyScanResult = { verified: [], bypassed: [] };
  const problems: string[] = [];
  for (const image of options.images) {
    // The newest scan decides: an older pass does not outvote a newer failure (a new CVE, a
    // stricter threshold, an expired ignore).
    const newest = options.attestations
      .filter((a) => a.imageId === image.imageId)
      .sort((a, b) => Date.parse(b.scannedAt) - Date.parse(a.scannedAt))[0];
    if (newest?.passed) {
      result.verified.push({ ...image, scannedAt: newest.scannedAt });
      continue;
    }
    const reason = newest
      ? `its newest scan (${newest.scannedAt}) failed the gate (${newest.counts.blocking} finding(s) at or above ${newest.threshold})`
      : "no scan of this exact image was found (rebuilt since the scan, or never scanned)";
    if (options.allowUnscanned) result.bypassed.push({ ...image, reason });
    else problems.push(`  - ${image.artifact} (${image.imageId}): ${reason}`);
  }
  if (problems.length > 0) {
    throw userError(
      "images.unscanned",
      `Failed to publish images: ${problems.length} image(s) have not passed scanImage:\n${problems.join("\n")}`,
      "Run scanImage on these exact images and pass its attestations, fix or ignore the findings, or (knowingly) pass allowUnscanned.",
    );
  }
  return result;
}
