import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/**
 * Reads every CI configuration of the repository (GitHub Actions workflows, .gitlab-ci.yml,
 * CodeBuild's buildspec.yml) into one shape: jobs, and the shell commands each job runs.
 * The tests then hold each job to "check out, install a pinned Dagger, `dagger call`".
 */

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

export type Yaml = Record<string, unknown>;

export function readYaml(relative: string): Yaml {
  return parse(readFileSync(path.join(repoRoot, relative), "utf8")) as Yaml;
}

export function workflowFiles(): string[] {
  const dir = path.join(repoRoot, ".github/workflows");
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `.github/workflows/${f}`);
}

/** One command a CI job runs, with where it came from, for messages. */
export interface CiCommand {
  ci: "github" | "gitlab" | "codebuild";
  file: string;
  job: string;
  text: string;
  /** Environment variable names the command can read (declared by the job or provided by the CI). */
  env: Set<string>;
}

/** Splits shell text into commands (newlines, `;`, `;;`, `&&`), each into words; quotes are removed. */
export function shellCommands(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && text[i + 1] === "\n") {
      i++;
      endWord();
    } else if (c === "\\") {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new Error(`Unclosed ${c} in: ${text}`);
      word = (word ?? "") + text.slice(i + 1, close);
      i = close;
    } else if (c === "#" && word === undefined) {
      while (i < text.length && text[i] !== "\n") i++;
      endCommand();
    } else if (c === "\n" || c === ";") {
      endCommand();
    } else if (c === "&" && text[i + 1] === "&") {
      i++;
      endCommand();
    } else if (c === " " || c === "\t") {
      endWord();
    } else {
      word = (word ?? "") + c;
    }
  }
  endCommand();
  return commands;
}

/**
 * A parsed `dagger call [--constructor-arg value ...] <function> --flag value ...`. Flags keep
 * their CLI (kebab-case) names.
 */
export interface DaggerCall {
  function: string;
  /** The module's constructor arguments, before the function (the AWS identity). */
  constructorFlags: Map<string, string>;
  /** Every `--name value` / `--name=value`; a flag followed by another flag or nothing is "true". */
  flags: Map<string, string>;
  /**
   * What is chained after the function's arguments: from the first word that is not a flag
   * or a flag's value to the end, e.g. ["results", "export", "--path", ".pipeline/results"].
   */
  chain: string[];
}

function readFlag(tail: string[], i: number, flags: Map<string, string>, valueRequired: boolean): number {
  const w = tail[i]!;
  const eq = w.indexOf("=");
  if (eq > 0) {
    flags.set(w.slice(2, eq), w.slice(eq + 1));
    return i;
  }
  const next = tail[i + 1];
  if (next !== undefined && (valueRequired || !next.startsWith("--"))) {
    flags.set(w.slice(2), next);
    return i + 1;
  }
  flags.set(w.slice(2), "true");
  return i;
}

export function parseDaggerCall(words: string[]): DaggerCall | undefined {
  if (words[0] !== "dagger") return undefined;
  const callAt = words.indexOf("call");
  if (callAt < 0) return undefined;
  // Before the function: constructor flags, every one a Secret (test/dagger checks), so each
  // takes a value and the first word no flag consumes is the function.
  const constructorFlags = new Map<string, string>();
  let at = callAt + 1;
  while (words[at]?.startsWith("--")) at = readFlag(words, at, constructorFlags, true) + 1;
  const fn = words[at];
  if (!fn) throw new Error(`dagger call without a function: ${words.join(" ")}`);
  const flags = new Map<string, string>();
  const tail = words.slice(at + 1);
  let i = 0;
  for (; i < tail.length && tail[i]!.startsWith("--"); i++) i = readFlag(tail, i, flags, false);
  return { function: fn, constructorFlags, flags, chain: tail.slice(i) };
}

export { kebab } from "../support/introspect.js";

/** Set by the runner in every job (https://docs.github.com/actions/reference/variables-reference). */
const GITHUB_RUNNER_ENV = [
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "GITHUB_REPOSITORY",
  "GITHUB_SHA",
];

/** GitLab's predefined variables the jobs use. */
const GITLAB_PREDEFINED = ["CI_PROJECT_DIR", "CI_COMMIT_SHA", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "CI_API_V4_URL"];

/** Masked project CI/CD variables docs/ci.md tells the maintainer to create. */
const GITLAB_PROJECT_VARIABLES = ["GITLAB_TOKEN"];

export interface GitHubJob {
  file: string;
  id: string;
  job: Yaml;
  workflow: Yaml;
  steps: Yaml[];
}

export function gitHubJobs(): GitHubJob[] {
  return workflowFiles().flatMap((file) => {
    const workflow = readYaml(file);
    const jobs = (workflow.jobs ?? {}) as Record<string, Yaml>;
    return Object.entries(jobs).map(([id, job]) => ({
      file,
      id,
      job,
      workflow,
      steps: (job.steps ?? []) as Yaml[],
    }));
  });
}

function keys(value: unknown): string[] {
  return value && typeof value === "object" ? Object.keys(value) : [];
}

export function gitHubCommands(): CiCommand[] {
  return gitHubJobs().flatMap(({ file, id, job, workflow, steps }) =>
    steps
      .filter((s) => typeof s.run === "string")
      .map((s) => ({
        ci: "github" as const,
        file,
        job: id,
        text: s.run as string,
        env: new Set([...keys(workflow.env), ...keys(job.env), ...keys(s.env), ...GITHUB_RUNNER_ENV]),
      })),
  );
}

const GITLAB_RESERVED = new Set([
  "stages",
  "variables",
  "default",
  "workflow",
  "include",
  "image",
  "services",
  "before_script",
  "after_script",
  "cache",
]);

/** GitLab's `extends` merges hashes key by key and replaces everything else (arrays included). */
function deepMerge(base: Yaml, over: Yaml): Yaml {
  const out: Yaml = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isHash = (x: unknown): x is Yaml => typeof x === "object" && x !== null && !Array.isArray(x);
    out[k] = isHash(b) && isHash(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export interface GitLabJob {
  id: string;
  /** The job merged with what it extends (one level of `extends`, as we use it) and `default`. */
  job: Yaml;
}

export function gitLabJobs(file = ".gitlab-ci.yml"): GitLabJob[] {
  const doc = readYaml(file);
  const merged = (name: string): Yaml => {
    const own = (doc[name] ?? {}) as Yaml;
    const parents = own.extends === undefined ? [] : [own.extends].flat().map((p) => merged(String(p)));
    return [...parents, own].reduce(deepMerge, {});
  };
  return Object.keys(doc)
    .filter((k) => !k.startsWith(".") && !GITLAB_RESERVED.has(k))
    .map((id) => ({ id, job: deepMerge((doc.default ?? {}) as Yaml, merged(id)) }));
}

export function gitLabCommands(file = ".gitlab-ci.yml"): CiCommand[] {
  const doc = readYaml(file);
  return gitLabJobs(file).flatMap(({ id, job }) => {
    const lines = [job.before_script, job.script].flat().filter((l): l is string => typeof l === "string");
    const matrix = ((job.parallel as Yaml | undefined)?.matrix ?? []) as Yaml[];
    const env = new Set([
      ...keys(doc.variables),
      ...keys(job.variables),
      ...keys(job.id_tokens),
      ...matrix.flatMap(keys),
      ...GITLAB_PREDEFINED,
      ...GITLAB_PROJECT_VARIABLES,
    ]);
    return lines.map((text) => ({ ci: "gitlab" as const, file, job: id, text, env }));
  });
}

export function codeBuildCommands(file = "buildspec.yml"): CiCommand[] {
  const doc = readYaml(file);
  const envBlock = (doc.env ?? {}) as Yaml;
  const env = new Set([
    ...keys(envBlock.variables),
    ...keys(envBlock["secrets-manager"]),
    ...keys(envBlock["parameter-store"]),
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "CODEBUILD_SRC_DIR",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
  ]);
  const phases = (doc.phases ?? {}) as Record<string, Yaml>;
  return Object.entries(phases).flatMap(([phase, body]) =>
    ((body.commands ?? []) as string[]).map((text) => ({ ci: "codebuild" as const, file, job: phase, text, env })),
  );
}
