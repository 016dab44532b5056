import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadEnvironment } from "../config/load.js";
import type { EnvironmentConfig } from "../config/schema.js";
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

/**
 * The environment named by --<option>, loaded as every verb must: with the process's variables,
 * so the module's ECS_PIPELINE_AWS_ENDPOINT reaches an emulator environment (config/emulator.ts).
 */
export function environmentOption(
  values: OptionValues,
  io: CommandIO,
  command: string,
  option = "env",
): Promise<EnvironmentConfig> {
  return loadEnvironment(requireString(values, option, command), { root: io.cwd, vars: io.env });
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

/** Reads a whole-number option from `min` to `max`, or throws a user error naming it. */
export function optionalInt(
  values: OptionValues,
  name: string,
  min: number,
  expected = `a whole number >= ${min}`,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const raw = optionalString(values, name);
  if (raw === undefined) return undefined;
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw userError(
      "cli.bad-arguments",
      `--${name}: found "${raw}", expected ${expected}`,
      `Pass --${name} with ${expected}, or leave it out for the default.`,
    );
  }
  return n;
}

/**
 * Parses a verb's arguments strictly. No verb takes positional words, so one is refused
 * (`rollback ... 1` meant `--revision 1`); an option given twice is refused unless it is
 * repeatable (the last value silently winning hides a typo in a long command line).
 */
export function parseOptions(
  command: Pick<Command, "name" | "usage" | "options">,
  args: string[],
): { values: OptionValues; positionals: string[] } {
  const usage = `Usage: ecs-pipeline ${command.usage}`;
  let parsed;
  try {
    parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw userError("cli.bad-arguments", `${command.name}: ${(err as Error).message}`, usage);
  }
  const word = parsed.positionals[0];
  if (word !== undefined) {
    const index = args.indexOf(word);
    const before = index > 0 ? args[index - 1] : undefined;
    const flag = before?.startsWith("--") ? before.slice(2) : undefined;
    const wasFlagValue = flag !== undefined && command.options[flag]?.type === "boolean";
    throw userError(
      "cli.unexpected-argument",
      `${command.name}: unexpected argument "${word}": this command takes only --options, no positional words`,
      wasFlagValue
        ? `--${flag} is a switch and takes no value; drop "${word}". ${usage}`
        : `Name the option the value is for (--option ${word}). ${usage}`,
    );
  }
  const seen = new Map<string, number>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option" || command.options[t.name]?.multiple) continue;
    seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  }
  const repeated = [...seen].filter(([, n]) => n > 1).map(([name]) => `--${name}`);
  if (repeated.length > 0) {
    throw userError(
      "cli.repeated-option",
      `${command.name}: ${repeated.join(", ")} given more than once; each takes one value`,
      `Pass each once. ${usage}`,
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}
