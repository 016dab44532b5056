/**
 * Drift detection decides from a plan's counts: a plan of the committed code against the
 * live state that wants to change anything means the two have drifted apart.
 */

/** The counts of a plan summary (src/terraform's summary carries at least these). */
export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
  /** Replacements, when the summary counts them apart from add/destroy. */
  replace?: number;
  /** Imports the code declares but the state lacks. */
  import?: number;
  /** `moved` blocks not yet applied to the state. */
  move?: number;
  /** `removed` blocks not yet applied to the state. */
  forget?: number;
}

/** Exit code of a drift check that found drift. 0 is "no drift"; 2.. keep their meaning (errors). */
export const DRIFT_EXIT_CODE = 1;

export interface DriftDecision {
  drifted: boolean;
  exitCode: number;
  /** One line for a person (and the CI log). */
  message: string;
}

export interface DecideDriftOptions {
  env: string;
  counts: PlanCounts;
  /** Output value changes alone; reported, but only drift when `outputsAreDrift`. */
  outputChanges?: number;
  outputsAreDrift?: boolean;
}

export function decideDrift(options: DecideDriftOptions): DriftDecision {
  const { env, counts } = options;
  for (const [field, value] of Object.entries(counts)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw new RangeError(`Plan count "${field}" must be a non-negative integer, got ${String(value)}`);
    }
  }
  const parts: string[] = [];
  if (counts.add) parts.push(`${counts.add} to add`);
  if (counts.change) parts.push(`${counts.change} to change`);
  if (counts.replace) parts.push(`${counts.replace} to replace`);
  if (counts.destroy) parts.push(`${counts.destroy} to destroy`);
  if (counts.import) parts.push(`${counts.import} to import`);
  if (counts.move) parts.push(`${counts.move} to move`);
  if (counts.forget) parts.push(`${counts.forget} to forget`);
  const outputs = options.outputChanges ?? 0;
  const resourceDrift = parts.length > 0;
  const outputDrift = outputs > 0 && options.outputsAreDrift === true;
  if (outputs > 0) parts.push(`${outputs} output${outputs === 1 ? "" : "s"} to change`);
  if (!resourceDrift && !outputDrift) {
    const note = outputs > 0 ? ` (${parts.join(", ")}; outputs only, not counted as drift)` : "";
    return { drifted: false, exitCode: 0, message: `No drift in ${env}: the live state matches the code${note}.` };
  }
  return {
    drifted: true,
    exitCode: DRIFT_EXIT_CODE,
    message: `Drift in ${env}: the plan wants ${parts.join(", ")}. Someone changed the live resources or the code was not applied.`,
  };
}
