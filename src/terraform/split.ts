/**
 * Splits Markdown into parts that each fit a size limit (GitHub refuses comments over
 * 65,536 characters), cutting only between lines. A `<details>` block or a code fence that
 * a cut falls inside is closed at the end of the part and reopened at the start of the next
 * ("(continued)"), so every part renders on its own.
 */

/** GitHub's comment limit less room for a wrapper (marker line, "Part i of n" footer). */
export const DEFAULT_PART_CHARS = 65_536 - 1_024;

export interface SplitOptions {
  /** Maximum characters of one part, wrappers included. Default DEFAULT_PART_CHARS. */
  maxChars?: number;
  /** First line of every part after the first, e.g. "**Plan for dev (continued)**". */
  continuation?: string;
}

interface Open {
  kind: "details" | "fence";
  line: string;
}

export function splitMarkdown(text: string, options: SplitOptions = {}): string[] {
  const max = options.maxChars ?? DEFAULT_PART_CHARS;
  const continuation = options.continuation ? [options.continuation, ""] : [];
  if (max < 1000) throw new RangeError(`splitMarkdown: maxChars must be at least 1000, got ${max}`);
  if (text.length <= max) return [text];

  const parts: string[] = [];
  const open: Open[] = [];
  let lines: string[] = [];
  let size = 0;

  const closers = (): string[] => [...open].reverse().map((o) => (o.kind === "details" ? "</details>" : "```"));
  const reopeners = (): string[] =>
    open.map((o) => (o.kind === "details" ? o.line.replace(/<\/summary>/, " (continued)</summary>") : o.line));
  const start = (): void => {
    lines = [...continuation, ...reopeners()];
    size = lines.reduce((n, l) => n + l.length + 1, 0);
  };
  const flush = (): void => {
    parts.push([...lines, ...closers()].join("\n"));
    start();
  };

  start();
  // A single line longer than this (a fresh part less its reopened headers) is cut.
  const longest = max - 600;
  for (const raw of text.split("\n")) {
    for (const line of chunkLine(raw, longest)) {
      const next = [...open];
      track(line, next);
      const closing = next.reduce((n, o) => n + (o.kind === "details" ? 11 : 4), 0);
      if (size + line.length + 1 + closing > max && lines.length > continuation.length + open.length) flush();
      lines.push(line);
      size += line.length + 1;
      track(line, open);
    }
  }
  if (lines.length > continuation.length + open.length || parts.length === 0) {
    parts.push([...lines, ...closers()].join("\n"));
  }
  return parts.map((p) => p.replace(/\n+$/, ""));
}

function track(line: string, open: Open[]): void {
  const inFence = open.at(-1)?.kind === "fence";
  if (/^\s*```/.test(line)) {
    if (inFence) open.pop();
    else open.push({ kind: "fence", line: line.trim() });
    return;
  }
  if (inFence) return;
  if (/^\s*<details>/.test(line) && !/<\/details>\s*$/.test(line)) open.push({ kind: "details", line: line.trim() });
  else if (/^\s*<\/details>/.test(line) && open.at(-1)?.kind === "details") open.pop();
}

/** A single line longer than a part is cut into pieces (only pathological input does this). */
function chunkLine(line: string, size: number): string[] {
  if (line.length <= size) return [line];
  const out: string[] = [];
  for (let i = 0; i < line.length; i += size) out.push(line.slice(i, i + size));
  return out;
}
