import { existsSync } from "node:fs";
import path from "node:path";
import type { Severity } from "../../images/severity.js";
import { userError } from "../../errors.js";
import { cleanToolMessage, gate, VALIDATE_TOOLS, type ToolStatus, type ValidateResult, type ValidateTool } from "./findings.js";
import { findRoots } from "./roots.js";
import { checkov, tflint, trivy, workDirOf } from "./scanner-tools.js";
import { fmt, validate } from "./tofu-tools.js";
import { relativeTo, type Runner, type ToolBinary, type ToolContext } from "./tool-context.js";

export interface ValidateOptions {
  repoRoot: string;
  /** Terraform directory, repository-relative. Default "terraform". */
  dir?: string;
  /**
   * Root modules to validate, repository-relative. Default: found in `dir` (`dir` itself when
   * it holds .tf files, and every directory with a backend or provider configuration, unless
   * another directory calls it as a module).
   */
  roots?: string[];
  /** Fail on findings at or above this severity. Default HIGH. */
  threshold?: Severity;
  /** Tools not to run (reported as skipped, with the reason "skipped on request"). */
  skip?: ValidateTool[];
  /** Process environment (PATH, HOME for tflint plugins, TF_PLUGIN_CACHE_DIR...). */
  vars: NodeJS.ProcessEnv;
  /** Program names or paths. */
  bins?: Partial<Record<ToolBinary, string>>;
  onProgress?: (message: string) => void;
}

const RUNNERS: Record<ValidateTool, Runner> = { fmt, validate, tflint, trivy, checkov };

/**
 * fmt, `init -backend=false` + validate of every root, tflint with the AWS ruleset, trivy
 * config and checkov over the Terraform directory. Every tool runs even when an earlier one
 * finds something or fails; all findings are gated together against one severity, and a
 * tool that could not run fails the gate unless it was skipped on request.
 */
export async function validateTerraform(options: ValidateOptions): Promise<ValidateResult> {
  const dir = path.resolve(options.repoRoot, options.dir ?? "terraform");
  if (!existsSync(dir)) {
    throw userError("terraform.no-dir", `Failed to validate Terraform: ${dir} does not exist`, "Pass --dir with the directory that holds the Terraform code.");
  }
  const found = await findRoots({ dir, repoRoot: options.repoRoot, ...(options.roots ? { explicit: options.roots } : {}) });
  const ctx: ToolContext = {
    repoRoot: options.repoRoot,
    dir,
    roots: found.roots,
    rootsNote: `roots: ${found.roots.map((r) => relativeTo(options.repoRoot, r)).join(", ") || "none found"}${found.how === "explicit" ? " (named with --root)" : ""}`,
    workDir: workDirOf(options.repoRoot),
    vars: options.vars,
    bin: (t) => options.bins?.[t] ?? t,
    onProgress: options.onProgress,
  };
  const tools: ToolStatus[] = [];
  for (const tool of VALIDATE_TOOLS) {
    if (options.skip?.includes(tool)) {
      tools.push({ tool, status: "skipped", reason: "skipped on request" });
      continue;
    }
    options.onProgress?.(`running ${tool}`);
    tools.push(await runTool(tool, ctx));
  }
  return gate(tools, options.threshold ?? "HIGH");
}

/** A runner that throws (output that is not the JSON expected) is a failed tool, never a lost one. */
async function runTool(tool: ValidateTool, ctx: ToolContext): Promise<ToolStatus> {
  if (tool === "validate" && ctx.roots.length === 0) {
    return { tool, status: "failed", findings: [], failures: [{ message: `no root module found in ${relativeTo(ctx.repoRoot, ctx.dir)}; name one with --root` }] };
  }
  try {
    return await RUNNERS[tool](ctx);
  } catch (err) {
    return { tool, status: "failed", findings: [], failures: [{ message: cleanToolMessage((err as Error).message) }] };
  }
}
