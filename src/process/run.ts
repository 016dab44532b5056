import { spawn } from "node:child_process";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin. */
  input?: string;
  /** Called with each complete stdout line while the program runs. */
  onLine?: (line: string) => void;
}

export interface RunResult {
  command: string;
  exitCode: number;
  stdout: string;
  /** stdout exactly as the program wrote it (digests are taken over bytes, not text). */
  stdoutBytes: Buffer;
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
    const chunks: Buffer[] = [];
    let stderr = "";
    let pending = "";
    const result = (exitCode: number, notFound: boolean, extraStderr = ""): RunResult => {
      const stdoutBytes = Buffer.concat(chunks);
      return { command, exitCode, stdout: stdoutBytes.toString(), stdoutBytes, stderr: stderr + extraStderr, notFound };
    };
    child.stdout.on("data", (d: Buffer) => {
      chunks.push(d);
      if (!options.onLine) return;
      const lines = (pending + d.toString()).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err: NodeJS.ErrnoException) => resolve(result(127, err.code === "ENOENT", err.message)));
    child.on("close", (code) => {
      if (pending && options.onLine) options.onLine(pending);
      resolve(result(code ?? 1, false));
    });
    child.stdin.on("error", () => {}); // a program that exits without reading stdin is not an error
    child.stdin.end(options.input ?? "");
  });
}

/** The last `lines` lines of what a failed program said: stderr, or stdout when stderr is empty. */
export function outputTail(result: { stdout: string; stderr: string }, lines: number): string {
  return (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-lines).join("\n");
}
