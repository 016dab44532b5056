import { countsLine, type ChangeAction, type PlanSummary, type ResourceChange } from "./summary.js";
import { splitMarkdown, type SplitOptions } from "./split.js";

export interface RenderOptions {
  env: string;
  account: string;
  /** Short fingerprint shown at the foot, so a reviewer can match a comment to an artifact. */
  fingerprint?: string;
}

/** Sections in the order a reviewer should read them: what is lost first. */
const SECTIONS: { action: ChangeAction; title: string; collapsed: boolean }[] = [
  { action: "delete", title: "Destroyed", collapsed: false },
  { action: "replace", title: "Replaced (destroyed, then created)", collapsed: false },
  { action: "create", title: "Created", collapsed: true },
  { action: "update", title: "Updated in place", collapsed: true },
  { action: "import", title: "Imported", collapsed: true },
  { action: "move", title: "Moved", collapsed: true },
  { action: "forget", title: "Removed from state (kept in AWS)", collapsed: true },
];

/** The whole summary as one Markdown document (may exceed a comment; see summaryParts). */
export function renderSummary(summary: PlanSummary, options: RenderOptions): string {
  const out: string[] = [`### OpenTofu plan for \`${options.env}\` (account ${options.account})`, ""];
  if (summary.errored) out.push("> [!WARNING]", "> The plan errored; it is incomplete and cannot be applied.", "");
  if (!summary.hasChanges) {
    out.push("**No changes.** The infrastructure matches the configuration.");
  } else {
    out.push(`**Plan: ${countsLine(summary.counts)}.**`, "");
    if (summary.counts.destroy > 0) {
      const replaced = summary.counts.replace ? ` (${summary.counts.replace} of them replaced)` : "";
      out.push("> [!CAUTION]", `> ${summary.counts.destroy} resource(s) will be destroyed${replaced}: review them first.`, "");
    }
  }
  const byAction = groupByAction(summary.changes);
  for (const section of SECTIONS) {
    const items = byAction.get(section.action);
    if (!items?.length) continue;
    const heading = `${section.title} (${items.length})`;
    if (section.collapsed) out.push(`<details><summary>${heading}</summary>`, "");
    else out.push(`#### ${heading}`, "");
    for (const c of items) out.push(itemLine(c));
    out.push("");
    if (section.collapsed) out.push("</details>", "");
  }
  if (summary.outputChanges.length) {
    out.push(`<details><summary>Outputs (${summary.outputChanges.length})</summary>`, "");
    for (const o of summary.outputChanges) out.push(`- \`${o.name}\`: ${o.action}`);
    out.push("", "</details>", "");
  }
  if (summary.drift > 0) out.push(`_${summary.drift} resource(s) changed outside OpenTofu since the last apply._`, "");
  const foot = [`OpenTofu ${summary.tofuVersion}`, options.fingerprint ? `inputs ${options.fingerprint.slice(0, 12)}` : ""];
  out.push(`<sub>${foot.filter(Boolean).join(" · ")}</sub>`);
  return out.join("\n");
}

/**
 * The summary as comment-sized parts (each under `maxChars`, default 64,512, leaving room
 * under GitHub's 65,536 for a marker and footer). This is what a pull-request comment posts.
 */
export function summaryParts(summary: PlanSummary, options: RenderOptions & SplitOptions): string[] {
  return splitMarkdown(renderSummary(summary, options), {
    ...(options.maxChars !== undefined ? { maxChars: options.maxChars } : {}),
    continuation: options.continuation ?? `**OpenTofu plan for \`${options.env}\` (continued)**`,
  });
}

function groupByAction(changes: ResourceChange[]): Map<ChangeAction, ResourceChange[]> {
  const map = new Map<ChangeAction, ResourceChange[]>();
  for (const c of changes) {
    const list = map.get(c.action) ?? [];
    list.push(c);
    map.set(c.action, list);
  }
  return map;
}

function itemLine(c: ResourceChange): string {
  const notes = [
    c.reason ? `because ${c.reason.replace(/^(replace|delete|update)_because_/, "").replace(/_/g, " ")}` : "",
    c.movedFrom ? `moved from \`${c.movedFrom}\`` : "",
    c.importId !== undefined && c.importId !== "" ? `id \`${c.importId}\`` : "",
  ].filter(Boolean);
  return `- \`${c.address}\`${notes.length ? ` (${notes.join("; ")})` : ""}`;
}
