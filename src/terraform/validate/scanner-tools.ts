import path from "node:path";
import { cleanToolMessage, type ToolComponent, type ToolFailure } from "./findings.js";
import { parseTflint } from "./parsers.js";
import { NEVER_SCANNED } from "./roots.js";
import { parseCheckov, parseTrivy } from "./scanner-parsers.js";
import { findUserConfig, tflintConfig, writeTflintConfig } from "./tflint-config.js";
import { execTool, relativeTo, toolStatus, type Runner } from "./tool-context.js";

/**
 * tflint over every directory (--recursive) with the merged configuration, so the AWS
 * ruleset runs whatever the user's .tflint.hcl says; the report names the rulesets and
 * versions tflint loaded, and a missing AWS ruleset is a failure, not a quiet pass.
 */
export const tflint: Runner = async (ctx) => {
  const config = await tflintConfig(findUserConfig([ctx.dir, ctx.repoRoot]));
  const configFile = await writeTflintConfig(config, ctx.workDir);
  const version = await execTool(ctx, "tflint", ["--version", `--config=${configFile}`], [0]);
  if (!version.ok) return toolStatus("tflint", [], [{ message: version.message }]);
  const components = parseTflintVersion(version.result.stdout);
  const failures: ToolFailure[] = [];
  if (!components.some((c) => c.name === "tflint-ruleset-aws")) {
    failures.push({ message: `the AWS ruleset is not installed where tflint looks (~/.tflint.d/plugins); tflint said: ${cleanToolMessage(version.result.stdout)}` });
  }
  const configNote = config.userFile ? `config: ${relativeTo(ctx.repoRoot, config.userFile)} merged with the pipeline's` : "config: the pipeline's";
  const overridden = config.overridden.length ? `; not applied from your config: ${config.overridden.join("; ")}` : "";
  const note = `${components.map((c) => `${c.name} ${c.version}`).join(", ")}; ${configNote}${overridden}`;
  // tflint exits 1 on its own errors and 2 on issues (0 with --force); the JSON says which.
  const r = await execTool(ctx, "tflint", ["--recursive", "--format=json", "--force", "--no-color", `--config=${configFile}`], [0, 1, 2, 3]);
  if (!r.ok) return toolStatus("tflint", [], [...failures, { message: r.message }], note, components);
  let parsed: ReturnType<typeof parseTflint>;
  try {
    parsed = parseTflint(r.result.stdout, ctx.repoRoot, ctx.dir);
  } catch {
    const said = cleanToolMessage(`${r.result.stderr}\n${r.result.stdout}`);
    return toolStatus("tflint", [], [...failures, { message: `tflint exited with code ${r.result.exitCode}: ${said}` }], note, components);
  }
  failures.push(...parsed.errors);
  return toolStatus("tflint", parsed.findings, failures, note, components);
};

/** `tflint --version`: "TFLint version 0.64.0" then "+ ruleset.aws (0.48.0)" per plugin. */
export function parseTflintVersion(stdout: string): ToolComponent[] {
  const components: ToolComponent[] = [];
  const core = /TFLint version (\S+)/.exec(stdout);
  if (core?.[1]) components.push({ name: "tflint", version: core[1] });
  for (const m of stdout.matchAll(/\+ ruleset\.(\S+) \(([^)]+)\)/g)) {
    if (m[1] && m[2]) components.push({ name: `tflint-ruleset-${m[1]}`, version: m[2] });
  }
  return components;
}

/** trivy config over the scanned directory, never into the pipeline's own folders. */
export const trivy: Runner = async (ctx) => {
  const skipDirs = NEVER_SCANNED.flatMap((d) => ["--skip-dirs", `**/${d}`]);
  const args = ["config", "--format=json", "--quiet", "--skip-check-update", "--exit-code=0", "--disable-telemetry", "--skip-version-check"];
  const r = await execTool(ctx, "trivy", [...args, ...skipDirs, "."], [0]);
  if (!r.ok) return toolStatus("trivy", [], [{ message: r.message }]);
  return toolStatus("trivy", parseTrivy(r.result.stdout, ctx.repoRoot, ctx.dir), []);
};

/** checkov over the scanned directory; hidden folders and NEVER_SCANNED stay out. */
export const checkov: Runner = async (ctx) => {
  const args = ["-d", ".", "--framework", "terraform", "-o", "json", "--quiet", "--compact", "--skip-download", "--soft-fail"];
  const env = {
    BC_SKIP_MAPPING: "TRUE",
    CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false",
    CKV_IGNORED_DIRECTORIES: [...NEVER_SCANNED, ".serverless"].join(","),
    CKV_IGNORE_HIDDEN_DIRECTORIES: "True",
  };
  const r = await execTool(ctx, "checkov", args, [0], env);
  if (!r.ok) return toolStatus("checkov", [], [{ message: r.message }]);
  const findings = parseCheckov(r.result.stdout, ctx.repoRoot, ctx.dir);
  const unrated = findings.filter((f) => f.defaultSeverity).length;
  return toolStatus("checkov", findings, [], unrated ? `${unrated} unrated by checkov offline, counted as HIGH` : undefined);
};

export const workDirOf = (repoRoot: string): string => path.join(repoRoot, ".pipeline", "terraform", "validate");
