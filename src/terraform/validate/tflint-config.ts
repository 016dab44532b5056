import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";

/**
 * The tflint configuration validateTerraform runs with: the pipeline's own (the AWS ruleset
 * and the terraform ruleset's recommended preset, local modules followed) merged with the
 * user's .tflint.hcl or .tflint.json when there is one. The user's settings win, except
 * that the AWS ruleset is always enabled and is the one the pipeline installed.
 * tflint reads HCL or, by extension, JSON in Terraform's JSON syntax:
 * https://github.com/terraform-linters/tflint/blob/master/docs/user-guide/config.md
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** HCL-as-JSON gives a block as a list of bodies, hand-written JSON as one body. */
const bodies = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

/** Config file names tflint looks for, in its order. */
const USER_CONFIG_NAMES = [".tflint.hcl", ".tflint.json"];

export interface TflintConfig {
  /** The merged configuration, in tflint's JSON form. */
  json: Obj;
  /** The user's file it was merged with, absolute, if any. */
  userFile?: string;
  /** What of the user's settings was not kept, and why. */
  overridden: string[];
}

/** The user's tflint config: in the scanned directory, else at the repository root. */
export function findUserConfig(dirs: string[]): string | undefined {
  for (const dir of dirs) {
    for (const name of USER_CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Reads and merges; a user file tflint could not read either is reported by tflint itself. */
export async function tflintConfig(userFile: string | undefined): Promise<TflintConfig> {
  if (!userFile) return mergeTflintConfig(undefined);
  const text = await readFile(userFile, "utf8");
  const parsed: unknown = userFile.endsWith(".json") ? JSON.parse(text) : await parseHcl(path.basename(userFile), text);
  return { ...mergeTflintConfig(isObj(parsed) ? parsed : {}), userFile };
}

/** The merge itself (pure): labelled blocks by label, attributes by name, the user's last. */
export function mergeTflintConfig(user: Obj | undefined): TflintConfig {
  const overridden: string[] = [];
  const u = user ?? {};
  const config: Obj = { call_module_type: "local", ...Object.assign({}, ...bodies(u.config)) };
  // Remote modules are only on disk after `init` in each root; tflint --recursive has no such dir.
  if (config.call_module_type === "all") {
    overridden.push('config.call_module_type "all" → "local" (remote modules are not installed where tflint runs)');
    config.call_module_type = "local";
  }
  if ("plugin_dir" in config) {
    overridden.push("config.plugin_dir (the pipeline's rulesets are in the default plugin directory)");
    delete config.plugin_dir;
  }
  const plugin: Record<string, Obj> = { terraform: { enabled: true, preset: "recommended" }, ...labelled(u.plugin) };
  const { source, version, deep_check: deepCheck, ...aws } = plugin.aws ?? {};
  if (aws.enabled === false) overridden.push('plugin "aws" enabled = false (the AWS ruleset is always in force)');
  if (source !== undefined) overridden.push('plugin "aws" source (the pipeline runs the ruleset it installed)');
  if (version !== undefined) overridden.push('plugin "aws" version (the pipeline runs the ruleset it installed)');
  if (deepCheck === true) overridden.push('plugin "aws" deep_check (needs AWS credentials; validateTerraform runs without them)');
  plugin.aws = { ...aws, enabled: true };
  const json: Obj = { ...u, config, plugin };
  const rules = labelled(u.rule);
  if (Object.keys(rules).length > 0) json.rule = rules;
  return { json, overridden };
}

/** `plugin "aws" { ... }` blocks as { aws: {...} }, later bodies of one label merged over earlier. */
function labelled(v: unknown): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const body of bodies(v)) {
    for (const [label, blocks] of Object.entries(body)) out[label] = Object.assign({ ...out[label] }, ...bodies(blocks));
  }
  return out;
}

/** Writes the merged config where tflint will read it; returns the file. */
export async function writeTflintConfig(config: TflintConfig, workDir: string): Promise<string> {
  await mkdir(workDir, { recursive: true });
  const file = path.join(workDir, "tflint.json");
  await writeFile(file, JSON.stringify(config.json, null, 2));
  return file;
}
