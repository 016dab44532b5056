import { lint, renderLintReport } from "../lint/lint.js";
import type { Command } from "./command.js";

/** Every linter over the repository, one grouped report; exit 1 when any finds anything. */
export const lintCommand: Command = {
  name: "lint",
  summary: "Run ESLint, Prettier, tsc, tofu fmt and actionlint; report every finding grouped by tool",
  usage: "lint [--json]",
  options: { json: { type: "boolean", default: false } },
  async run(values, _positionals, io) {
    const result = await lint({ root: io.cwd });
    io.out(values.json ? JSON.stringify(result, null, 2) : renderLintReport(result));
    return result.passed ? 0 : 1;
  },
};
