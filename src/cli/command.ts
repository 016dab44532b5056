import type { ParseArgsConfig } from "node:util";
import { userError } from "../errors.js";

/** Where a command writes: `out` for its result (report or JSON), `log` for progress. */
export interface CommandIO {
  out: (text: string) => void;
  log: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * One CLI verb. The same word names the Dagger function (camelCase there, kebab-case here).
 * `run` returns the exit code; errors are thrown as PipelineError and mapped by main.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec;
  run: (values: OptionValues, positionals: string[], io: CommandIO) => Promise<number>;
}

/** Reads a required string option, or throws a user error naming it. */
export function requireString(values: OptionValues, name: string, command: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") {
    throw Object.assign(new Error(`${command}: missing --${name}`), { missingOption: name });
  }
  return v;
}

/** Reads a string option; an empty string counts as absent. */
export function optionalString(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Reads a repeatable string option (`--service a --service b`) as a list. */
export function listOption(values: OptionValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string" && x !== "");
  return typeof v === "string" && v !== "" ? [v] : [];
}

/** Reads a whole-number option of at least `min`, or throws a user error naming it. */
export function optionalInt(
  values: OptionValues,
  name: string,
  min: number,
  expected = `a whole number >= ${min}`,
): number | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw userError("cli.bad-arguments", `--${name}: found "${raw}", expected ${expected}`);
  }
  return n;
}
