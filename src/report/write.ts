import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { collectRecord, RAW } from "./collect.js";
import { renderChecks, renderSummary } from "./markdown.js";
import type { RunRecord } from "./record.js";

/** What `report` adds to a results directory, beside the raw outputs it read. */
export const RESULT_FILES = {
  record: "run.json",
  summary: "summary.md",
  checks: "checks.md",
  sarif: "sarif",
} as const;

export interface WrittenResults {
  record: RunRecord;
  sarif: string[];
}

/**
 * Builds the run record from a results directory and writes, into the same directory,
 * run.json, summary.md (the job summary), checks.md (the comment's check section) and
 * sarif/*.sarif: every SARIF log the run produced, each run stamped with its own category.
 */
export async function writeResults(dir: string): Promise<WrittenResults> {
  const record = await collectRecord(dir);
  await writeFile(path.join(dir, RESULT_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
  await writeFile(path.join(dir, RESULT_FILES.summary), renderSummary(record));
  await writeFile(path.join(dir, RESULT_FILES.checks), renderChecks(record));
  return { record, sarif: await gatherSarif(dir) };
}

interface SarifLog {
  runs?: { tool?: { driver?: { name?: string } }; automationDetails?: { id?: string } }[];
}

/**
 * Code scanning keys an analysis on tool and category, and since July 2025 refuses an
 * upload with two runs it cannot tell apart (github.blog changelog 2025-07-21, "code
 * scanning will stop combining multiple SARIF runs"). Several images are scanned by the
 * same Trivy, so each run gets an automationDetails.id naming what it scanned; upload-sarif
 * keeps an id that is set (github/codeql-action#463). One directory then uploads in one step.
 */
async function gatherSarif(dir: string): Promise<string[]> {
  const sources: { file: string; name: string; category: (tool: string) => string }[] = [];
  const terraform = path.join(dir, "terraform/terraform.sarif");
  sources.push({ file: terraform, name: "terraform.sarif", category: (tool) => `terraform/${slug(tool)}/` });
  for (const service of await list(path.join(dir, RAW.scans))) {
    for (const platform of await list(path.join(dir, RAW.scans, service))) {
      sources.push({
        file: path.join(dir, RAW.scans, service, platform, "report.sarif"),
        name: `image-${service}-${platform}.sarif`,
        category: () => `image/${service}-${platform}/`,
      });
    }
  }
  const written: string[] = [];
  for (const source of sources) {
    let log: SarifLog;
    try {
      log = JSON.parse(await readFile(source.file, "utf8")) as SarifLog;
    } catch {
      continue; // that step did not run (or wrote nothing): nothing to upload
    }
    for (const run of log.runs ?? []) {
      if (run.automationDetails?.id) continue;
      run.automationDetails = { ...run.automationDetails, id: source.category(run.tool?.driver?.name ?? "tool") };
    }
    await mkdir(path.join(dir, RESULT_FILES.sarif), { recursive: true });
    await writeFile(path.join(dir, RESULT_FILES.sarif, source.name), `${JSON.stringify(log, null, 2)}\n`);
    written.push(`${RESULT_FILES.sarif}/${source.name}`);
  }
  return written;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
