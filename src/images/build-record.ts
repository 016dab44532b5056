import { createHash } from "node:crypto";

/**
 * Which services a build really rebuilt. The engine does not say whether a build step came
 * from its cache, so buildAll records a fingerprint of each service's inputs (context
 * content digest, Dockerfile, platforms) in a cache volume; inputs unchanged since the last
 * build on the same engine mean the build was served from cache.
 */
export interface BuildInputs {
  service: string;
  contextDigest: string;
  dockerfile: string;
  platforms: string[];
}

export type BuildRecord = Record<string, string>;

export interface BuildReport {
  rebuilt: string[];
  cached: string[];
  record: BuildRecord;
}

export function fingerprint(inputs: BuildInputs): string {
  const canonical = JSON.stringify([inputs.contextDigest, inputs.dockerfile, [...inputs.platforms].sort()]);
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/** Compares this build's inputs with the record and returns the updated record. */
export function classifyBuilds(previous: BuildRecord, current: BuildInputs[]): BuildReport {
  const report: BuildReport = { rebuilt: [], cached: [], record: { ...previous } };
  for (const inputs of current) {
    const fp = fingerprint(inputs);
    if (previous[inputs.service] === fp) report.cached.push(inputs.service);
    else report.rebuilt.push(inputs.service);
    report.record[inputs.service] = fp;
  }
  return report;
}
