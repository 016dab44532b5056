import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseHcl } from "@cdktf/hcl2json";
import { userError } from "../../errors.js";

/**
 * Which directories are Terraform root modules, found the way `tofu` sees a configuration:
 * a root is a directory someone runs `tofu init` in; a module called by a root through a
 * local `source` is part of that root's configuration and is validated through it.
 * https://opentofu.org/docs/language/modules/#the-root-module
 */

/** Folders never walked: the pipeline's own work folder, tofu's data dir, VCS and npm folders. */
export const NEVER_SCANNED = [".pipeline", ".terraform", ".git", "node_modules"] as const;

/**
 * Files tofu loads as configuration, and the names it ignores (dotfiles, editor backups).
 * https://opentofu.org/docs/language/files/#file-extension
 */
const CONFIG_FILE = /\.(tf|tofu)(\.json)?$/;
const ignoredFile = (name: string): boolean =>
  name.startsWith(".") || name.endsWith("~") || (name.startsWith("#") && name.endsWith("#"));

/** What one directory's configuration declares, as far as finding roots needs. */
export interface ConfigDir {
  /** Absolute path. */
  dir: string;
  files: string[];
  /** A `backend` or `cloud` block in a `terraform` block. */
  backend: boolean;
  /** A top-level `provider` block. */
  provider: boolean;
  /** Absolute directories this one calls as local modules (`source = "./..."` or `"../..."`). */
  calls: string[];
  /** Files HCL could not parse: the tools report the syntax error with its line. */
  unreadable: string[];
}

export interface RootsOptions {
  /** The directory scanned (absolute). */
  dir: string;
  /** Repository root (absolute), for messages. */
  repoRoot: string;
  /** Roots named explicitly, repository-relative: when given, no discovery happens. */
  explicit?: string[];
}

export interface FoundRoots {
  /** Absolute root directories, sorted. */
  roots: string[];
  /** How they were chosen, for the report. */
  how: "explicit" | "discovered";
}

/** The roots to validate: the explicit list, checked, or the discovered ones. */
export async function findRoots(options: RootsOptions): Promise<FoundRoots> {
  if (options.explicit && options.explicit.length > 0) {
    return { roots: await checkExplicit(options.explicit, options.repoRoot), how: "explicit" };
  }
  const dirs = await configDirs(options.dir);
  return { roots: chooseRoots(dirs, options.dir), how: "discovered" };
}

async function checkExplicit(named: string[], repoRoot: string): Promise<string[]> {
  const roots: string[] = [];
  for (const name of named) {
    const dir = path.resolve(repoRoot, name);
    const files = existsSync(dir) ? (await readdir(dir)).filter((f) => CONFIG_FILE.test(f) && !ignoredFile(f)) : [];
    if (files.length === 0) {
      throw userError(
        "terraform.bad-root",
        `Failed to validate Terraform: --root ${name}: ${existsSync(dir) ? "holds no .tf or .tofu files" : "does not exist"} (${dir})`,
        "Name each root module directory relative to the repository root, e.g. --root infra/prod, or leave --root out to find roots.",
      );
    }
    roots.push(dir);
  }
  return [...new Set(roots)].sort();
}

/**
 * Roots among the configuration directories: the scanned directory itself when it holds
 * configuration, and every directory configuring a backend or a provider (modules should
 * not: https://opentofu.org/docs/language/modules/develop/providers/), unless another
 * directory calls it as a local module, in which case it is validated through its caller.
 */
export function chooseRoots(dirs: ConfigDir[], scanned: string): string[] {
  const called = new Set(dirs.flatMap((d) => d.calls.filter((c) => c !== d.dir)));
  return dirs
    .filter((d) => !called.has(d.dir) && (d.dir === scanned || d.backend || d.provider))
    .map((d) => d.dir)
    .sort();
}

/** Every directory under `root` holding configuration files, never entering NEVER_SCANNED or dot-folders. */
export async function configDirs(root: string): Promise<ConfigDir[]> {
  const found: ConfigDir[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    const files = entries.filter((e) => e.isFile() && CONFIG_FILE.test(e.name) && !ignoredFile(e.name)).map((e) => e.name);
    if (files.length > 0) found.push(await readConfigDir(dir, files.sort()));
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith(".") || (NEVER_SCANNED as readonly string[]).includes(e.name)) continue;
      await walk(path.join(dir, e.name));
    }
  };
  await walk(root);
  return found;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** hcl2json gives a block as a list of bodies; .tf.json may give one body. */
const bodies = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : isObj(v) ? [v] : []);

async function readConfigDir(dir: string, files: string[]): Promise<ConfigDir> {
  const info: ConfigDir = { dir, files, backend: false, provider: false, calls: [], unreadable: [] };
  for (const file of files) {
    const text = await readFile(path.join(dir, file), "utf8");
    let body: unknown;
    try {
      body = file.endsWith(".json") ? JSON.parse(text) : await parseHcl(file, text);
    } catch {
      info.unreadable.push(file);
      continue;
    }
    if (!isObj(body)) continue;
    info.backend ||= bodies(body.terraform).some((t) => "backend" in t || "cloud" in t);
    info.provider ||= bodies(body.provider).some((p) => Object.keys(p).length > 0);
    for (const calls of bodies(body.module).flatMap((m) => Object.values(m))) {
      for (const call of bodies(calls)) {
        if (typeof call.source === "string" && /^\.\.?\//.test(call.source)) info.calls.push(path.resolve(dir, call.source));
      }
    }
  }
  return info;
}
