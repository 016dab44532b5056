import { access, readdir } from "node:fs/promises";
import path from "node:path";
import { withEndpointOverride } from "./emulator.js";
import type { z } from "zod";
import { userError } from "../errors.js";
import { parseStrictJson, readTextFile } from "./json-text.js";
import { environmentSchema, type EnvironmentConfig, type ServiceConfig } from "./schema.js";

export const ENVIRONMENTS_DIR = "environments";
const SCHEMA_FILE = "schema.json";

export interface LoadOptions {
  /** Repository root holding environments/. */
  root: string;
  /** Process variables: ECS_PIPELINE_AWS_ENDPOINT redirects an emulator environment (emulator.ts). */
  vars?: NodeJS.ProcessEnv;
}

/** Names of the environments defined under `<root>/environments`, sorted. */
export async function listEnvironments(options: LoadOptions): Promise<string[]> {
  const dir = path.join(options.root, ENVIRONMENTS_DIR);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    throw userError(
      "config.no-environments",
      `Failed to read environments: no directory ${dir}`,
      "Run from the repository root, or pass the directory that holds environments/.",
    );
  }
  return entries
    .filter((f) => f.endsWith(".json") && f !== SCHEMA_FILE)
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/**
 * Reads, parses and validates one environment. Every problem in the file is reported at
 * once, each with its field path, what was found and what was expected.
 */
export async function loadEnvironment(name: string, options: LoadOptions): Promise<EnvironmentConfig> {
  const known = await listEnvironments(options);
  if (!known.includes(name)) {
    throw userError(
      "config.unknown-environment",
      `Unknown environment "${name}". Valid environments: ${known.join(", ") || "(none)"}.`,
      `Pass one of those names, or add ${ENVIRONMENTS_DIR}/${name}.json.`,
    );
  }
  const file = path.join(ENVIRONMENTS_DIR, `${name}.json`);
  const text = await readTextFile(path.join(options.root, file), "environment file", "config.unreadable");
  const json = parseStrictJson(text);
  if ("problem" in json)
    throw userError("config.invalid-json", `${file} is ${json.problem.message}`, json.problem.hint);
  const raw = json.value;
  const result = environmentSchema.safeParse(raw);
  if (!result.success) {
    throw userError(
      "config.invalid",
      `${file} is invalid (${result.error.issues.length} problem${result.error.issues.length === 1 ? "" : "s"}):\n` +
        result.error.issues.map((issue) => `  - ${describeIssue(issue, raw)}`).join("\n"),
      `Fix the fields above; ${ENVIRONMENTS_DIR}/${SCHEMA_FILE} describes every field (editors read it via "$schema").`,
    );
  }
  if (result.data.name !== name) {
    throw userError(
      "config.name-mismatch",
      `${file}: name: found "${result.data.name}", expected "${name}" (the file name)`,
      "Rename the file or change its name field so they agree.",
    );
  }
  await checkRepoFiles(result.data, file, options.root);
  return withEndpointOverride(result.data, options.vars ?? {});
}

/** Files the environment names that must already exist in the repository: the var file and patches. */
async function checkRepoFiles(env: EnvironmentConfig, file: string, root: string): Promise<void> {
  const named: [string, string][] = [["terraform.varFile", env.terraform.varFile]];
  env.services.forEach((s, i) => {
    const ctx = s.build.context;
    if ("git" in ctx && ctx.patch) named.push([`services[${i}].build.context.patch`, ctx.patch]);
  });
  const missing: string[] = [];
  for (const [field, rel] of named) {
    try {
      await access(path.join(root, rel));
    } catch {
      missing.push(`  - ${field}: found "${rel}", which does not exist under ${root}`);
    }
  }
  if (missing.length > 0) {
    throw userError(
      "config.missing-file",
      `${file} names file${missing.length === 1 ? "" : "s"} that do not exist:\n${missing.join("\n")}`,
      "Create the file, or fix the path (repository-relative) in the environment file.",
    );
  }
}

/** Finds a service by name, or says which services the environment has. */
export function findService(env: EnvironmentConfig, name: string): ServiceConfig {
  const service = env.services.find((s) => s.name === name);
  if (!service) {
    throw userError(
      "config.unknown-service",
      `Unknown service "${name}" in environment ${env.name}. Services: ${env.services.map((s) => s.name).join(", ")}.`,
      `Pass --service with one of those names, or add the service to environments/${env.name}.json.`,
    );
  }
  return service;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = issue.path.length === 0 ? "(top level)" : formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${where}: found unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")}, expected only the fields the schema lists`;
  }
  const found = valueAt(raw, issue.path);
  return `${where}: found ${found}, expected ${expectation(issue)}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_value":
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return issue.origin === "array"
        ? `at least ${String(issue.minimum)} item(s)`
        : issue.origin === "string"
          ? `at least ${String(issue.minimum)} character(s)`
          : `at least ${String(issue.minimum)}`;
    case "too_big":
      return `at most ${String(issue.maximum)}`;
    case "invalid_union":
      return "either { path } or { git, commit, patch? }";
    default:
      return issue.message;
  }
}

function formatPath(p: PropertyKey[]): string {
  return p.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    "",
  );
}

function valueAt(raw: unknown, p: PropertyKey[]): string {
  let cur: unknown = raw;
  for (const key of p) {
    if (cur === null || typeof cur !== "object" || !(key in cur)) return "nothing (field missing)";
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  const json = JSON.stringify(cur);
  const shown = json === undefined ? String(cur) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${typeof cur === "object" ? (Array.isArray(cur) ? "array" : "object") : typeof cur} ${shown}`;
}
