import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { main } from "../../../../src/cli/main.js";

export const repoRoot = path.resolve(import.meta.dirname, "../../../..");

export interface CliRun {
  code: number;
  out: string;
  log: string;
}

/** Runs the real CLI entry point in-process, capturing its two streams. */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const out: string[] = [];
  const log: string[] = [];
  const code = await main(args, {
    out: (t) => out.push(t),
    log: (t) => log.push(t),
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot,
  });
  return { code, out: out.join("\n"), log: log.join("\n") };
}

/**
 * A scratch repository root whose environments/ are the real ones, with `aws.endpoint` of
 * the named environments pointed at the emulator (the files pin port 5000; tests use a free one).
 */
export async function rootWithEndpoint(endpoint: string, envs: string[]): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "images-root-"));
  await cp(path.join(repoRoot, "environments"), path.join(root, "environments"), { recursive: true });
  for (const name of envs) {
    const file = path.join(root, "environments", `${name}.json`);
    const env = JSON.parse(await readFile(file, "utf8")) as { aws: Record<string, unknown> };
    env.aws.endpoint = endpoint;
    await writeFile(file, JSON.stringify(env, null, 2));
  }
  return root;
}
