import { readdir } from "node:fs/promises";
import path from "node:path";
import { run } from "../../process/run.js";
import { tofuEnv } from "../tofu.js";
import { cleanToolMessage, type TerraformFinding, type ToolFailure } from "./findings.js";
import { parseFmt, parseTofuDiagnostics, parseValidate } from "./parsers.js";
import { NEVER_SCANNED } from "./roots.js";
import { execTool, notInstalled, relativeTo, toolStatus, type Runner } from "./tool-context.js";

/**
 * `tofu fmt -check` over the scanned directory. One unparsable file makes tofu stop and list
 * nothing, so on an error every directory is checked on its own: the broken one is reported
 * as a failure and the others' unformatted files are still found.
 */
export const fmt: Runner = async (ctx) => {
  const whole = await execTool(ctx, "tofu", ["fmt", "-check", "-recursive", "-list=true", "-no-color", "."], [0, 3]);
  if (whole.ok) return toolStatus("fmt", parseFmt(whole.result.stdout, ctx.repoRoot, ctx.dir), []);
  const findings: TerraformFinding[] = [];
  const failures: ToolFailure[] = [];
  for (const dir of await fmtDirs(ctx.dir)) {
    const r = await execTool(ctx, "tofu", ["fmt", "-check", "-list=true", "-no-color", dir], [0, 3]);
    if (r.ok) findings.push(...parseFmt(r.result.stdout, ctx.repoRoot, ctx.dir));
    else failures.push({ where: relativeTo(ctx.repoRoot, path.join(ctx.dir, dir)), message: r.message });
  }
  if (failures.length === 0) failures.push({ message: whole.message });
  return toolStatus("fmt", findings, failures);
};

/** Directories (relative, "." first) holding files tofu fmt checks, outside the folders never scanned. */
async function fmtDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true });
    if (entries.some((e) => e.isFile() && /\.(tf|tofu|tfvars)$|\.tftest\.hcl$/.test(e.name))) dirs.push(rel);
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith(".") && !(NEVER_SCANNED as readonly string[]).includes(e.name)) {
        await walk(rel === "." ? e.name : `${rel}/${e.name}`);
      }
    }
  };
  await walk(".");
  return dirs;
}

/**
 * `tofu init -backend=false` then `tofu validate -json` in every root, each with its own data
 * directory under .pipeline/. Configuration errors init reports with a place (a syntax error)
 * are findings; anything else that stops init (a provider or module it cannot install) is a
 * failure of that root only: the other roots are still validated.
 */
export const validate: Runner = async (ctx) => {
  const findings: TerraformFinding[] = [];
  const failures: ToolFailure[] = [];
  for (const root of ctx.roots) {
    const where = relativeTo(ctx.repoRoot, root);
    ctx.onProgress?.(`tofu validate: ${where}`);
    const env = tofuEnv({ env: ctx.vars, dataDir: path.join(ctx.workDir, "roots", where === "." ? "_" : where) });
    const init = await run(ctx.bin("tofu"), ["init", "-backend=false", "-input=false", "-json"], { cwd: root, env });
    if (init.notFound) return toolStatus("validate", [], [{ message: notInstalled(ctx.bin("tofu")) }], ctx.rootsNote);
    if (init.exitCode !== 0) {
      const diagnostics = parseTofuDiagnostics(init.stdout, ctx.repoRoot, root);
      findings.push(...diagnostics.findings);
      if (diagnostics.findings.length === 0) {
        const said = diagnostics.errors.length ? diagnostics.errors.join("\n") : cleanToolMessage(`${init.stderr}\n${init.stdout}`, 8);
        failures.push({ where, message: `tofu init -backend=false failed: ${said}` });
      }
      continue;
    }
    const v = await run(ctx.bin("tofu"), ["validate", "-json", "-no-color"], { cwd: root, env });
    try {
      findings.push(...parseValidate(v.stdout, ctx.repoRoot, root));
    } catch {
      failures.push({ where, message: `tofu validate exited with code ${v.exitCode}: ${cleanToolMessage(`${v.stderr}\n${v.stdout}`, 8)}` });
    }
  }
  return toolStatus("validate", findings, failures, ctx.rootsNote);
};
