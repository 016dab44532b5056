import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Severity } from "../../images/severity.js";
import { userError } from "../../errors.js";
import { outputTail, run, type RunResult } from "../../process/run.js";
import { tofuEnv } from "../tofu.js";
import { gate, VALIDATE_TOOLS, type TerraformFinding, type ToolStatus, type ValidateResult, type ValidateTool } from "./findings.js";
import { parseCheckov, parseFmt, parseTflint, parseTrivy, parseValidate } from "./parsers.js";

export interface ValidateOptions {
  repoRoot: string;
  /** Terraform directory, repository-relative. Default "terraform". */
  dir?: string;
  /** Fail on findings at or above this severity. Default HIGH. */
  threshold?: Severity;
  /** Tools not to run (reported as skipped, with the reason "skipped on request"). */
  skip?: ValidateTool[];
  /** Process environment (PATH, HOME for tflint plugins, TF_PLUGIN_CACHE_DIR...). */
  vars: NodeJS.ProcessEnv;
  /** Program names or paths. */
  bins?: Partial<Record<"tofu" | "tflint" | "trivy" | "checkov", string>>;
  onProgress?: (message: string) => void;
}

/**
 * fmt, `init -backend=false` + validate of every root, tflint with the AWS ruleset, trivy
 * config and checkov over the Terraform directory; every tool runs even when an earlier one
 * finds something, and all findings are gated together against one severity.
 */
export async function validateTerraform(options: ValidateOptions): Promise<ValidateResult> {
  const dir = path.resolve(options.repoRoot, options.dir ?? "terraform");
  if (!existsSync(dir)) {
    throw userError("terraform.no-dir", `Failed to validate Terraform: ${dir} does not exist`, "Pass --dir with the directory that holds the Terraform code.");
  }
  const ctx: ToolContext = { ...options, dir, bin: (t) => options.bins?.[t] ?? t };
  const tools: ToolStatus[] = [];
  for (const tool of VALIDATE_TOOLS) {
    if (options.skip?.includes(tool)) {
      tools.push({ tool, status: "skipped", reason: "skipped on request" });
      continue;
    }
    options.onProgress?.(`running ${tool}`);
    try {
      tools.push(await RUNNERS[tool](ctx));
    } catch (err) {
      tools.push({ tool, status: "failed", error: (err as Error).message });
    }
  }
  return gate(tools, options.threshold ?? "HIGH");
}

interface ToolContext extends ValidateOptions {
  dir: string;
  bin: (tool: "tofu" | "tflint" | "trivy" | "checkov") => string;
}

type Runner = (ctx: ToolContext) => Promise<ToolStatus>;

const RUNNERS: Record<ValidateTool, Runner> = {
  async fmt(ctx) {
    const r = await exec(ctx, "tofu", ["fmt", "-check", "-recursive", "-list=true", "-no-color", "."], [0, 3]);
    return ran("fmt", parseFmt(r.stdout, ctx.repoRoot, ctx.dir));
  },
  async validate(ctx) {
    const findings: TerraformFinding[] = [];
    const roots = await rootDirs(ctx.dir);
    for (const root of roots) {
      const env = tofuEnv({ env: ctx.vars, dataDir: path.join(ctx.repoRoot, ".pipeline", "terraform", "validate", path.basename(root)) });
      const init = await run(ctx.bin("tofu"), ["init", "-backend=false", "-input=false", "-no-color"], { cwd: root, env });
      if (init.exitCode !== 0) {
        throw new Error(
          `tofu init -backend=false failed in ${path.relative(ctx.repoRoot, root)} (are its providers installed or mirrored?): ${outputTail(init, 8)}`,
        );
      }
      const v = await run(ctx.bin("tofu"), ["validate", "-json", "-no-color"], { cwd: root, env });
      findings.push(...parseValidate(v.stdout, ctx.repoRoot, root));
    }
    return ran("validate", findings, `roots: ${roots.map((r) => path.relative(ctx.repoRoot, r)).join(", ")}`);
  },
  async tflint(ctx) {
    const config = path.join(ctx.repoRoot, ".tflint.hcl");
    const args = ["--recursive", "--format=json", "--force", ...(existsSync(config) ? [`--config=${config}`] : [])];
    const r = await exec(ctx, "tflint", args, [0, 2]);
    return ran("tflint", parseTflint(r.stdout, ctx.repoRoot, ctx.dir));
  },
  async trivy(ctx) {
    const args = ["config", "--format=json", "--quiet", "--skip-check-update", "--exit-code=0", "--disable-telemetry", "--skip-version-check", "."];
    const r = await exec(ctx, "trivy", args, [0]);
    return ran("trivy", parseTrivy(r.stdout, ctx.repoRoot, ctx.dir));
  },
  async checkov(ctx) {
    const args = ["-d", ".", "--framework", "terraform", "-o", "json", "--quiet", "--compact", "--skip-download", "--soft-fail"];
    const r = await exec(ctx, "checkov", args, [0], { BC_SKIP_MAPPING: "TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false" });
    const findings = parseCheckov(r.stdout, ctx.repoRoot, ctx.dir);
    const unrated = findings.filter((f) => f.defaultSeverity).length;
    return ran("checkov", findings, unrated ? `${unrated} unrated by checkov offline, counted as HIGH` : undefined);
  },
};

function ran(tool: ValidateTool, findings: TerraformFinding[], note?: string): ToolStatus {
  return { tool, status: "ran", findings, ...(note ? { note } : {}) };
}

async function exec(
  ctx: ToolContext,
  tool: "tofu" | "tflint" | "trivy" | "checkov",
  args: string[],
  okCodes: number[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  const env = tool === "tofu" ? tofuEnv({ env: ctx.vars, dataDir: path.join(ctx.repoRoot, ".pipeline", "terraform", "validate") }) : ctx.vars;
  const r = await run(ctx.bin(tool), args, { cwd: ctx.dir, env: { ...env, ...extraEnv } });
  if (r.notFound) throw new Error(`${ctx.bin(tool)} is not installed (scripts/install-toolchain.sh installs it)`);
  if (!okCodes.includes(r.exitCode)) throw new Error(`${tool} exited with code ${r.exitCode}: ${outputTail(r, 8)}`);
  return r;
}

/** Root modules: directories directly under the Terraform directory, except modules/, that hold .tf files. */
export async function rootDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const roots: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name === "modules" || e.name.startsWith(".")) continue;
    const files = await readdir(path.join(dir, e.name));
    if (files.some((f) => f.endsWith(".tf") || f.endsWith(".tofu"))) roots.push(path.join(dir, e.name));
  }
  return roots.sort();
}
