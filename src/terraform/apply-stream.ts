import { z } from "zod";
import type { TerraformProgress } from "./progress.js";

/** One resource tofu changed during apply. */
export interface AppliedChange {
  address: string;
  action: string;
  seconds?: number;
}

export interface ApplyOutcome {
  changes: AppliedChange[];
  summary?: { add: number; change: number; remove: number };
  /** Error diagnostics, "summary: detail". */
  errors: string[];
}

const message = z.object({
  type: z.string(),
  hook: z
    .object({
      resource: z.object({ addr: z.string() }).optional(),
      action: z.string().optional(),
      elapsed_seconds: z.number().optional(),
    })
    .optional(),
  changes: z.object({ add: z.number(), change: z.number(), remove: z.number(), operation: z.string() }).optional(),
  diagnostic: z.object({ severity: z.string(), summary: z.string(), detail: z.string().optional() }).optional(),
});

/**
 * Reads `tofu apply -json` line by line: reports each resource as it starts, finishes or
 * fails, and collects tofu's change summary and error diagnostics.
 */
export function parseApplyStream(onProgress?: (e: TerraformProgress) => void): {
  line: (text: string) => void;
  result: () => ApplyOutcome;
} {
  const outcome: ApplyOutcome = { changes: [], errors: [] };
  const line = (text: string): void => {
    if (!text.trim().startsWith("{")) return;
    let parsed;
    try {
      parsed = message.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const m = parsed.data;
    const address = m.hook?.resource?.addr;
    const action = m.hook?.action ?? "change";
    if (m.type === "apply_start" && address) onProgress?.({ kind: "resource", address, action, state: "started" });
    if (m.type === "apply_complete" && address) {
      const seconds = m.hook?.elapsed_seconds;
      outcome.changes.push({ address, action, ...(seconds !== undefined ? { seconds } : {}) });
      onProgress?.({ kind: "resource", address, action, state: "done", ...(seconds !== undefined ? { seconds } : {}) });
    }
    if (m.type === "apply_errored" && address) onProgress?.({ kind: "resource", address, action, state: "failed" });
    if (m.type === "change_summary" && m.changes) {
      outcome.summary = { add: m.changes.add, change: m.changes.change, remove: m.changes.remove };
    }
    if (m.type === "diagnostic" && m.diagnostic?.severity === "error") {
      outcome.errors.push([m.diagnostic.summary, m.diagnostic.detail].filter(Boolean).join(": "));
    }
  };
  return { line, result: () => outcome };
}
