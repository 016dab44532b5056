import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { PipelineError } from "../errors.js";

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
export function runTofu(ctx: TofuContext, args: string[], options: TofuRunOptions = {}): Promise<TofuRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ctx.bin, args, { cwd: ctx.cwd, env: tofuEnv(ctx), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      if (!options.onLine) return;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err: NodeJS.ErrnoException) => {
      reject(
        new PipelineError(`Failed to run ${ctx.bin}: ${err.message}`, {
          code: "terraform.tofu-missing",
          source: "tool",
          hint: "Install OpenTofu (scripts/install-toolchain.sh) and put it on PATH, or set TOFU_BIN.",
          cause: err,
        }),
      );
    });
    child.on("close", (code) => {
      if (pending && options.onLine) options.onLine(pending);
      const result = { exitCode: code ?? 1, stdout, stderr };
      if (result.exitCode !== 0 && options.check !== false) {
        reject(tofuFailure(options.act ?? `run tofu ${args[0] ?? ""}`, result));
      } else resolve(result);
    });
  });
}

/** A failed tofu command as an error carrying tofu's own diagnostics (the last 40 lines). */
export function tofuFailure(act: string, result: TofuRun): PipelineError {
  const text = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-40).join("\n");
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
