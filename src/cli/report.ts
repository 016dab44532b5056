import path from "node:path";
import { renderSummary } from "../report/markdown.js";
import { writeResults } from "../report/write.js";
import { requireString, type Command } from "./command.js";

/**
 * Turns a results directory (each step's raw outputs, collected by a composite function)
 * into the run record and what every CI shows: run.json, summary.md, checks.md, sarif/.
 * Prints the job summary. Exit 0 whatever the run's outcome: the record says it.
 */
export const reportCommand: Command = {
  name: "report",
  summary: "Build run.json, summary.md, checks.md and sarif/ from a composite run's results directory",
  usage: "report --dir DIR",
  options: { dir: { type: "string" } },
  async run(values, _positionals, io) {
    const dir = path.resolve(io.cwd, requireString(values, "dir", "report"));
    const { record, sarif } = await writeResults(dir);
    io.log(`report: ${record.pipeline} ${record.ok ? "passed" : "failed"}; ${sarif.length} SARIF file(s)`);
    io.out(renderSummary(record).trimEnd());
    return 0;
  },
};
