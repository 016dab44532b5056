import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";

export interface TrivyScanOptions {
  /** Image tarball (OCI layout or docker-archive). */
  input: string;
  /** Where Trivy writes its JSON report. */
  output: string;
  /** Persistent cache holding db/trivy.db and metadata.json. */
  cacheDir: string;
  /** Use the DB already in the cache; never download (and never call out). */
  offline: boolean;
  /** DB repository (OCI), e.g. a mirror for users hit by rate limits. */
  dbRepository: string | undefined;
  trivy: string;
}

/**
 * Arguments for `trivy image` on a tarball. The Dagger layer's scanImage passes the same
 * flags (dagger/src/images.ts); keep the two in step.
 */
export function trivyImageArgs(o: Omit<TrivyScanOptions, "trivy">): string[] {
  const args = ["image", "--input", o.input, "--format", "json", "--output", o.output];
  args.push("--cache-dir", o.cacheDir, "--scanners", "vuln", "--exit-code", "0");
  args.push("--skip-version-check", "--disable-telemetry", "--quiet");
  if (o.offline) args.push("--skip-db-update", "--skip-java-db-update", "--offline-scan");
  if (o.dbRepository) args.push("--db-repository", o.dbRepository);
  return args;
}

/** Runs Trivy; its failure is a tool error carrying Trivy's own last lines. */
export async function runTrivy(o: TrivyScanOptions): Promise<void> {
  const r = await run(o.trivy, trivyImageArgs(o));
  if (r.exitCode !== 0) {
    throw new PipelineError(`Failed to scan ${o.input} with Trivy: ${outputTail(r, 5)}`, {
      code: "images.trivy-failed",
      source: "tool",
      hint: o.offline
        ? `Offline scans need db/trivy.db and db/metadata.json under ${o.cacheDir}.`
        : "If the DB download is rate limited, pass a DB mirror (--db-repository) and keep the cache directory.",
    });
  }
}
