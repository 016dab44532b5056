import { describe, expect, it } from "vitest";
import { splitMarkdown } from "../../../src/terraform/split.js";

const balanced = (part: string, open: RegExp, close: RegExp) =>
  (part.match(open) ?? []).length === (part.match(close) ?? []).length;

describe("splitMarkdown", () => {
  it("returns text under the limit unchanged", () => {
    expect(splitMarkdown("# hi\n\nsmall", { maxChars: 1000 })).toEqual(["# hi\n\nsmall"]);
  });

  it("cuts only between lines and loses no line", () => {
    const lines = Array.from({ length: 500 }, (_, i) => `- line ${i}`);
    const parts = splitMarkdown(lines.join("\n"), { maxChars: 1000 });
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join("\n").split("\n")).toEqual(lines);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1000);
  });

  it("closes a <details> block cut in two and reopens it as continued in the next part", () => {
    const text = ["intro", "<details><summary>Created (400)</summary>", "", ...Array.from({ length: 400 }, (_, i) => `- \`r.${i}\``), "", "</details>", "end"].join("\n");
    const parts = splitMarkdown(text, { maxChars: 1500, continuation: "**(continued)**" });
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(1500);
      expect(balanced(p, /<details>/g, /<\/details>/g)).toBe(true);
    }
    expect(parts[1]?.split("\n").slice(0, 3)).toEqual(["**(continued)**", "", "<details><summary>Created (400) (continued)</summary>"]);
    expect(parts.at(-1)?.endsWith("</details>\nend")).toBe(true);
  });

  it("closes and reopens a code fence cut in two", () => {
    const text = ["```diff", ...Array.from({ length: 300 }, (_, i) => `+ added ${i}`), "```"].join("\n");
    const parts = splitMarkdown(text, { maxChars: 1200 });
    for (const p of parts) {
      expect(p.startsWith("```diff")).toBe(true);
      expect(p.endsWith("```")).toBe(true);
    }
  });

  it("cuts a single line longer than a part instead of producing an oversized part", () => {
    const parts = splitMarkdown("x".repeat(5000), { maxChars: 1000 });
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1000);
    expect(parts.join("").replace(/\n/g, "")).toBe("x".repeat(5000));
  });
});
