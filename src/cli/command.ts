import type { ParseArgsConfig } from "node:util";

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
