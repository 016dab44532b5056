import type { WatchChange } from "./watch/state.js";

/**
 * What the deployer reports while it works. The core never prints: the CLI (or a test)
 * passes `onProgress` and decides what to show.
 */
export type EcsProgress =
  | { kind: "step"; message: string }
  | { kind: "diff"; text: string }
  | { kind: "watch"; change: WatchChange }
  | { kind: "throttled"; retryInMs: number }
  /** A transient AWS error (5xx, connection, unparseable answer, expired token) being ridden out. */
  | { kind: "retrying"; what: string; error: string; retryInMs: number }
  /** Where the service stands now, in words: what a second interrupt would leave behind. */
  | { kind: "state"; message: string }
  | { kind: "health"; attempt: number; ok: boolean; final?: boolean; details: string[] }
  | { kind: "warning"; message: string };

export type ProgressSink = (event: EcsProgress) => void;

/** One progress event as lines for a person, each prefixed with `service/cluster`. */
export function formatProgress(prefix: string, event: EcsProgress): string[] {
  const p = `${prefix} `;
  switch (event.kind) {
    case "step":
      return [`${p}${event.message}`];
    case "warning":
      return [`${p}WARNING ${event.message}`];
    case "diff":
      return [`${p}task definition diff:`, ...event.text.split("\n").map((l) => `  ${l}`)];
    case "retrying":
      return [`${p}${event.what}: ${event.error}; retrying in ${(event.retryInMs / 1000).toFixed(1)}s`];
    case "state":
      return [`${p}now: ${event.message}`];
    case "throttled":
      return [`${p}throttled by AWS; next poll in ${(event.retryInMs / 1000).toFixed(1)}s`];
    case "health":
      return [
        `${p}health check ${event.attempt}: ${event.ok ? "ok" : event.final ? "FAILED" : "not yet"} (${event.details.join("; ")})`,
      ];
    case "watch":
      return [`${p}${formatChange(event.change)}`];
  }
}

function formatChange(change: WatchChange): string {
  switch (change.kind) {
    case "deployment":
      return `deployment ${change.id}: ${change.line}`;
    case "deployment-gone":
      return `deployment ${change.id}: gone`;
    case "event":
      return `event ${new Date(change.at).toISOString()} ${change.message}`;
    case "stopped-task":
      return `stopped task ${change.taskId} (${change.taskDefinition}): ${change.reason}`;
  }
}
