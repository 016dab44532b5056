#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { realpathSync } from "node:fs";
import { EXIT_CODES, PipelineError, describeError, userError } from "../errors.js";
import { parseOptions, type CommandIO } from "./command.js";
import { commands } from "./commands.js";

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: ecs-pipeline <command> [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'ecs-pipeline <command> --help' for a command's options.",
  ].join("\n");
}

/** Parses argv, runs one command, and maps every failure to one message and an exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    io.out(help());
    if (name !== undefined) return 0;
    io.log("Error: no command given.\nHint: Pass one of the commands listed above, e.g. ecs-pipeline validate-config.");
    return 2;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) {
      throw userError(
        "cli.unknown-command",
        `Unknown command "${name}".`,
        `Commands: ${commands.map((c) => c.name).join(", ")}.`,
      );
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      io.out(`Usage: ecs-pipeline ${command.usage}\n\n${command.summary}`);
      return 0;
    }
    const parsed = parseOptions(command, rest);
    return await command.run(parsed.values, parsed.positionals, io);
  } catch (err) {
    const missing = (err as { missingOption?: string }).missingOption;
    const error =
      missing !== undefined && command
        ? userError(
            "cli.missing-option",
            `${command.name}: missing required option --${missing}`,
            `Usage: ecs-pipeline ${command.usage}`,
          )
        : err;
    io.log(`Error: ${describeError(error)}`);
    // Every refusal says what to do; where the error itself has no hint, point at the usage.
    if (error instanceof PipelineError && error.source === "user" && !error.hint && command) {
      io.log(`Hint: Fix the input named above. Usage: ecs-pipeline ${command.usage}`);
    }
    if (error instanceof PipelineError) return EXIT_CODES[error.source];
    if (error instanceof Error && error.stack) io.log(error.stack);
    return EXIT_CODES.bug;
  }
}

const isEntryPoint = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntryPoint) {
  const io: CommandIO = {
    out: (t) => process.stdout.write(`${t}\n`),
    log: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
