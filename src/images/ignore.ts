import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { userError } from "../errors.js";
import type { Finding } from "./findings.js";

/**
 * The ignore file: YAML in the shape of Trivy's `.trivyignore.yaml` `vulnerabilities`
 * section, so teams can keep one file. Each entry needs a reason, and may (should) expire:
 *
 *   vulnerabilities:
 *     - id: CVE-2024-12345
 *       packages: [busybox]        # optional: only these packages
 *       expired_at: 2026-12-31     # optional: ignored until this date (UTC), then it counts again
 *       statement: Not reachable; upstream fix pending.
 */
const dateText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, "a date such as 2026-12-31 (or an ISO date-time)")
  .refine((s) => !Number.isNaN(Date.parse(s)), "a real calendar date");

const entrySchema = z
  .object({
    id: z.string().min(1).describe("Vulnerability id, e.g. CVE-2024-12345 or GHSA-xxxx-xxxx-xxxx."),
    packages: z.array(z.string().min(1)).min(1).optional(),
    expired_at: z.union([dateText, z.date()]).optional(),
    statement: z.string().min(1, "a reason (statement) for ignoring it"),
  })
  .strict();

const fileSchema = z.object({ vulnerabilities: z.array(entrySchema).default([]) }).strict();

export interface IgnoreEntry {
  id: string;
  packages: string[] | undefined;
  /** The moment from which the entry no longer applies; undefined: never expires. */
  expiresAt: Date | undefined;
  statement: string;
}

/** Parses the ignore file's text; `file` names it in errors. */
export function parseIgnoreFile(text: string, file: string): IgnoreEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw userError(
      "images.ignore-invalid",
      `Failed to read ignore file ${file}: ${(err as Error).message}`,
      "The ignore file is YAML: vulnerabilities: [{ id, statement, packages?, expired_at? }].",
    );
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(top level)"}: ${i.message}`);
    throw userError(
      "images.ignore-invalid",
      `Failed to read ignore file ${file}:\n${lines.join("\n")}`,
      "Each entry needs id and statement; packages and expired_at (YYYY-MM-DD) are optional.",
    );
  }
  return parsed.data.vulnerabilities.map((e) => ({
    id: e.id,
    packages: e.packages,
    expiresAt: e.expired_at === undefined ? undefined : new Date(e.expired_at),
    statement: e.statement,
  }));
}

export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  return entry.expiresAt !== undefined && now.getTime() >= entry.expiresAt.getTime();
}

/** Whether the entry is about this finding (ignoring expiry). */
export function entryMatches(entry: IgnoreEntry, finding: Finding): boolean {
  return entry.id === finding.id && (entry.packages === undefined || entry.packages.includes(finding.pkgName));
}
