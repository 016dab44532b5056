import { spawn } from "node:child_process";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin. */
  input?: string;
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the program itself could not be started (not installed, not executable). */
  notFound: boolean;
}

/** Runs a program to completion and captures its output; never throws for a non-zero exit. */
export function run(program: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [program, ...args].join(" ");
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err: NodeJS.ErrnoException) => {
      resolve({ command, exitCode: 127, stdout, stderr: stderr + err.message, notFound: err.code === "ENOENT" });
    });
    child.on("close", (code) => resolve({ command, exitCode: code ?? 1, stdout, stderr, notFound: false }));
    child.stdin.end(options.input ?? "");
  });
}
