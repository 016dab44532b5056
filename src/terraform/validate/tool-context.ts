import path from "node:path";
import { run, type RunResult } from "../../process/run.js";
import { tofuEnv } from "../tofu.js";
import { cleanToolMessage, type TerraformFinding, type ToolComponent, type ToolFailure, type ToolStatus, type ValidateTool } from "./findings.js";

export type ToolBinary = "tofu" | "tflint" | "trivy" | "checkov";

/** What every tool runner gets: where to look, which roots, how to run programs. */
export interface ToolContext {
  repoRoot: string;
  /** The scanned directory (absolute). */
  dir: string;
  /** Root modules (absolute). */
  roots: string[];
  /** "roots: a, b" for the report. */
  rootsNote: string;
  /** The pipeline's own work folder for validate (absolute, under .pipeline/). */
  workDir: string;
  vars: NodeJS.ProcessEnv;
  bin: (tool: ToolBinary) => string;
  onProgress?: ((message: string) => void) | undefined;
}

export type Runner = (ctx: ToolContext) => Promise<ToolStatus>;

/** Repository-relative, "/"-separated; "." for the repository root itself. */
export const relativeTo = (repoRoot: string, abs: string): string => path.relative(repoRoot, abs).split(path.sep).join("/") || ".";

export type ExecOutcome = { ok: true; result: RunResult } | { ok: false; message: string };

/** Runs a tool in the scanned directory; an exit code outside `okCodes` is a failure with its cleaned message. */
export async function execTool(
  ctx: ToolContext,
  tool: ToolBinary,
  args: string[],
  okCodes: number[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<ExecOutcome> {
  const env = tool === "tofu" ? tofuEnv({ env: ctx.vars, dataDir: path.join(ctx.workDir, "fmt") }) : ctx.vars;
  const result = await run(ctx.bin(tool), args, { cwd: ctx.dir, env: { ...env, ...extraEnv } });
  if (result.notFound) return { ok: false, message: notInstalled(ctx.bin(tool)) };
  if (!okCodes.includes(result.exitCode)) {
    return { ok: false, message: `${tool} exited with code ${result.exitCode}: ${cleanToolMessage(`${result.stderr}\n${result.stdout}`)}` };
  }
  return { ok: true, result };
}

export const notInstalled = (bin: string): string => `${bin} is not installed (scripts/install-toolchain.sh installs it)`;

/** "ran" when nothing failed, else "failed" with what did run. */
export function toolStatus(
  tool: ValidateTool,
  findings: TerraformFinding[],
  failures: ToolFailure[],
  note?: string,
  components?: ToolComponent[],
): ToolStatus {
  const extra = { ...(note ? { note } : {}), ...(components?.length ? { components } : {}) };
  return failures.length === 0 ? { tool, status: "ran", findings, ...extra } : { tool, status: "failed", findings, failures, ...extra };
}
