import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { requireTool } from "../../../support/tools.js";

const run = promisify(execFile);
const advisories = path.resolve(import.meta.dirname, "../fixtures/advisories");

/**
 * Builds a tiny vulnerability DB with the real trivy-db tool from the hand-written
 * advisories in fixtures/advisories, and lays it out as a Trivy cache directory
 * (db/trivy.db + db/metadata.json) for offline scans. Returns the cache directory.
 */
export async function buildTrivyCache(): Promise<{ cacheDir: string; cleanup: () => Promise<void> }> {
  const trivyDb = requireTool("trivy-db");
  const work = await mkdtemp(path.join(tmpdir(), "trivy-db-"));
  const sources = path.join(work, "sources");
  await cp(advisories, sources, { recursive: true });
  const out = path.join(work, "out");
  await run(
    trivyDb,
    [
      "build",
      "--only-update",
      "alpine",
      "--only-update",
      "nvd",
      "--cache-dir",
      sources,
      "--output-dir",
      out,
      "--update-interval",
      "87600h",
    ],
    { cwd: work },
  );
  const cacheDir = path.join(work, "trivy-cache");
  await mkdir(path.join(cacheDir, "db"), { recursive: true });
  await cp(path.join(out, "trivy.db"), path.join(cacheDir, "db", "trivy.db"));
  await cp(path.join(out, "metadata.json"), path.join(cacheDir, "db", "metadata.json"));
  return { cacheDir, cleanup: () => rm(work, { recursive: true, force: true }) };
}
