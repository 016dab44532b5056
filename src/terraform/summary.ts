import { z } from "zod";
import { PipelineError } from "../errors.js";

/**
 * A saved plan as the pipeline reads it: from `tofu show -json plan.tfplan`, reduced to
 * what a reviewer needs (which resources, which action, why) and the counts tofu prints.
 */

export type ChangeAction = "create" | "update" | "delete" | "replace" | "import" | "move" | "forget";

export interface ResourceChange {
  address: string;
  action: ChangeAction;
  /** tofu's action_reason, e.g. replace_because_cannot_update. */
  reason?: string;
  /** For an import: the id imported. */
  importId?: string;
  /** For a move (or a change to a moved resource): the previous address. */
  movedFrom?: string;
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
  replace: number;
  import: number;
  move: number;
  forget: number;
}

export interface PlanSummary {
  counts: PlanCounts;
  changes: ResourceChange[];
  outputChanges: { name: string; action: "create" | "update" | "delete" }[];
  /** Resources that changed outside OpenTofu since the last apply. */
  drift: number;
  hasChanges: boolean;
  errored: boolean;
  tofuVersion: string;
}

const changeSchema = z.object({
  address: z.string(),
  mode: z.string().optional(),
  previous_address: z.string().optional(),
  action_reason: z.string().optional(),
  change: z.object({
    actions: z.array(z.string()),
    importing: z.object({ id: z.string().optional() }).nullish(),
  }),
});

const planSchema = z.object({
  format_version: z.string(),
  terraform_version: z.string().optional(),
  resource_changes: z.array(changeSchema).optional(),
  resource_drift: z.array(z.unknown()).optional(),
  output_changes: z.record(z.string(), z.object({ actions: z.array(z.string()) })).optional(),
  errored: z.boolean().optional(),
});

type RawChange = z.infer<typeof changeSchema>;

/** Parses `tofu show -json` output of a saved plan into a summary. */
export function summarizePlan(planJson: unknown): PlanSummary {
  const parsed = planSchema.safeParse(planJson);
  if (!parsed.success) {
    throw new PipelineError(
      `Failed to read the plan JSON: ${parsed.error.issues[0]?.path.join(".") || "(top level)"}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
      { code: "terraform.bad-plan-json", source: "tool", hint: "Pass the output of `tofu show -json <saved plan>`." },
    );
  }
  const plan = parsed.data;
  const changes: ResourceChange[] = [];
  for (const raw of plan.resource_changes ?? []) {
    if (raw.mode === "data") continue;
    const change = classify(raw);
    if (change) changes.push(change);
  }
  const counts = countChanges(changes);
  const outputChanges = Object.entries(plan.output_changes ?? {}).flatMap(([name, c]) => {
    const action = outputAction(c.actions);
    return action ? [{ name, action }] : [];
  });
  return {
    counts,
    changes,
    outputChanges,
    drift: plan.resource_drift?.length ?? 0,
    hasChanges: changes.length > 0 || outputChanges.length > 0,
    errored: plan.errored ?? false,
    tofuVersion: plan.terraform_version ?? "unknown",
  };
}

function classify(raw: RawChange): ResourceChange | undefined {
  const actions = raw.change.actions;
  const base = {
    address: raw.address,
    ...(raw.action_reason ? { reason: raw.action_reason } : {}),
    ...(raw.previous_address && raw.previous_address !== raw.address ? { movedFrom: raw.previous_address } : {}),
  };
  const importId = raw.change.importing ? (raw.change.importing.id ?? "") : undefined;
  const key = actions.join(",");
  if (key === "create") return { ...base, action: "create" };
  if (key === "delete") return { ...base, action: "delete" };
  if (key === "update") return { ...base, action: "update", ...(importId !== undefined ? { importId } : {}) };
  if (key === "delete,create" || key === "create,delete") return { ...base, action: "replace" };
  if (key === "forget") return { ...base, action: "forget" };
  if (key === "no-op") {
    if (importId !== undefined) return { ...base, action: "import", importId };
    if (base.movedFrom) return { ...base, action: "move" };
  }
  return undefined;
}

/** The counts in tofu's own terms: a replacement adds one and destroys one. */
export function countChanges(changes: ResourceChange[]): PlanCounts {
  const counts: PlanCounts = { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0, forget: 0 };
  for (const c of changes) {
    if (c.action === "create") counts.add++;
    else if (c.action === "update") counts.change++;
    else if (c.action === "delete") counts.destroy++;
    else if (c.action === "replace") {
      counts.replace++;
      counts.add++;
      counts.destroy++;
    } else if (c.action === "forget") counts.forget++;
    if (c.importId !== undefined) counts.import++;
    if (c.movedFrom !== undefined) counts.move++;
  }
  return counts;
}

function outputAction(actions: string[]): "create" | "update" | "delete" | undefined {
  const key = actions.join(",");
  if (key === "create" || key === "update" || key === "delete") return key;
  if (key === "delete,create" || key === "create,delete") return "update";
  return undefined;
}

/** "3 to add, 1 to change, 2 to destroy" plus imports/moves/forgets when there are any. */
export function countsLine(counts: PlanCounts): string {
  const extra = [
    counts.import ? `${counts.import} to import` : "",
    counts.move ? `${counts.move} moved` : "",
    counts.forget ? `${counts.forget} to forget` : "",
  ].filter(Boolean);
  return [`${counts.add} to add`, `${counts.change} to change`, `${counts.destroy} to destroy`, ...extra].join(", ");
}
