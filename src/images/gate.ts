import type { Finding } from "./findings.js";
import { entryMatches, isExpired, type IgnoreEntry } from "./ignore.js";
import { atOrAbove, type Severity } from "./severity.js";

export interface GateOptions {
  /** Findings at or above this severity fail the gate. */
  threshold: Severity;
  ignores: IgnoreEntry[];
  now: Date;
}

export interface IgnoredFinding {
  finding: Finding;
  entry: IgnoreEntry;
}

export interface GateResult {
  passed: boolean;
  threshold: Severity;
  /** At or above the threshold (or unrated) and not ignored: these fail the gate. */
  blocking: Finding[];
  /** Suppressed by a live ignore entry. */
  ignored: IgnoredFinding[];
  /** Below the threshold: reported, never blocking. */
  below: Finding[];
  /** Entries that would have matched a finding but have expired: the finding counts again. */
  expired: IgnoreEntry[];
  /** Live entries that matched nothing: candidates for removal. */
  unused: IgnoreEntry[];
}

/**
 * Decides whether an image may ship. Pure: the clock comes in as `now`, so expiry is
 * testable and a run is reproducible from its inputs.
 */
export function evaluateGate(findings: Finding[], options: GateOptions): GateResult {
  const live = options.ignores.filter((e) => !isExpired(e, options.now));
  const dead = options.ignores.filter((e) => isExpired(e, options.now));
  const used = new Set<IgnoreEntry>();
  const expired = new Set<IgnoreEntry>();
  const result: GateResult = {
    passed: true,
    threshold: options.threshold,
    blocking: [],
    ignored: [],
    below: [],
    expired: [],
    unused: [],
  };
  for (const finding of findings) {
    const entry = live.find((e) => entryMatches(e, finding));
    if (entry) {
      used.add(entry);
      result.ignored.push({ finding, entry });
      continue;
    }
    for (const e of dead) if (entryMatches(e, finding)) expired.add(e);
    // UNKNOWN is Trivy's word for "no source rated it yet": it may be critical, so it blocks
    // at any threshold until it is rated or knowingly ignored.
    if (finding.severity === "UNKNOWN" || atOrAbove(finding.severity, options.threshold)) result.blocking.push(finding);
    else result.below.push(finding);
  }
  result.expired = [...expired];
  result.unused = live.filter((e) => !used.has(e));
  result.passed = result.blocking.length === 0;
  return result;
}
