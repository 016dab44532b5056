import { existsSync } from "node:fs";
import { PipelineError } from "../errors.js";
import { outputTail, run } from "../process/run.js";

/** How to run `tofu`: which binary, where, with what environment and data directory. */
export interface TofuContext {
  /** The binary; `tofu` from PATH unless TOFU_BIN or an option says otherwise. */
  bin: string;
  /** The root module directory (absolute). */
  cwd: string;
  /** Base environment (credentials, PATH); TF_* settings are added on top. */
  env: NodeJS.ProcessEnv;
  /** TF_DATA_DIR: one per environment, so dev and prod never share `.terraform`. */
  dataDir: string;
}

export interface TofuRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface TofuRunOptions {
  /** Called with each complete stdout line while the command runs. */
  onLine?: (line: string) => void;
  /** Throw on a non-zero exit (default) or hand the result back. */
  check?: boolean;
  /** What the command does, for the error message: "initialise the backend". */
  act?: string;
}

/**
 * The environment tofu runs with. A TF_CLI_CONFIG_FILE naming a missing file is dropped:
 * tofu then prints a warning on stdout, which corrupts `-json` output.
 */
export function tofuEnv(ctx: Pick<TofuContext, "env" | "dataDir">): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...ctx.env, TF_DATA_DIR: ctx.dataDir, TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
  if (env.TF_CLI_CONFIG_FILE && !existsSync(env.TF_CLI_CONFIG_FILE)) delete env.TF_CLI_CONFIG_FILE;
  return env;
}

/** Runs one tofu command to completion, streaming stdout lines to `onLine` if given. */
export async function runTofu(ctx: TofuContext, args: string[], options: TofuRunOptions = {}): Promise<TofuRun> {
  const r = await run(ctx.bin, args, {
    cwd: ctx.cwd,
    env: tofuEnv(ctx),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  if (r.notFound) {
    throw new PipelineError(`Failed to run ${ctx.bin}: ${r.stderr}`, {
      code: "terraform.tofu-missing",
      source: "tool",
      hint: "Install OpenTofu (scripts/install-toolchain.sh) and put it on PATH, or set TOFU_BIN.",
    });
  }
  const result = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  if (result.exitCode !== 0 && options.check !== false) {
    throw tofuFailure(options.act ?? `run tofu ${args[0] ?? ""}`, result);
  }
  return result;
}

/** A failed tofu command as an error carrying tofu's own diagnostics (the last 40 lines). */
export function tofuFailure(act: string, result: TofuRun): PipelineError {
  const text = outputTail(result, 40);
  const lock = parseLockInfo(text);
  if (lock) {
    return new PipelineError(
      `Failed to ${act}: the state is locked by ${lock.who ?? "someone"} (lock ${lock.id}${lock.created ? `, since ${lock.created}` : ""}${lock.operation ? `, ${lock.operation}` : ""})`,
      {
        code: "terraform.state-locked",
        source: "user",
        hint: `Another plan or apply is running; wait for it or pass a longer --lock-timeout. If it crashed, release the lock with: tofu force-unlock ${lock.id}`,
      },
    );
  }
  return new PipelineError(`Failed to ${act}: tofu exited with code ${result.exitCode}\n${text}`, {
    code: "terraform.tofu-failed",
    source: "tool",
  });
}

export interface LockInfo {
  id: string;
  who?: string;
  created?: string;
  operation?: string;
}

/** Reads the "Lock Info:" block tofu prints when it cannot acquire the state lock. */
export function parseLockInfo(text: string): LockInfo | undefined {
  if (!/Error acquiring the state lock/i.test(text)) return undefined;
  const field = (name: string): string | undefined =>
    new RegExp(`^[\\s│|]*${name}:\\s*(.+?)\\s*$`, "m").exec(text)?.[1];
  const who = field("Who");
  const created = field("Created");
  const operation = field("Operation");
  return {
    id: field("ID") ?? "(unknown id)",
    ...(who ? { who } : {}),
    ...(created ? { created } : {}),
    ...(operation ? { operation } : {}),
  };
}

/** `tofu version -json` → "1.12.6". */
export async function tofuVersion(ctx: TofuContext): Promise<string> {
  const out = await runTofu(ctx, ["version", "-json"], { act: "read the OpenTofu version" });
  try {
    const parsed = JSON.parse(out.stdout) as { terraform_version?: unknown };
    return typeof parsed.terraform_version === "string" ? parsed.terraform_version : "unknown";
  } catch {
    return "unknown";
  }
}
