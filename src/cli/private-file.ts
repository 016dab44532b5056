import { randomBytes } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";

/**
 * Writes a file that holds a secret (a token, credentials, a registry password): created
 * with mode 0600 from the start, under a temporary name in the same directory, then renamed
 * over the target. `writeFile(f, s, { mode })` applies the mode only when it creates the
 * file, so overwriting an existing 0644 file would leave the secret world-readable; a rename
 * replaces the file (and its mode) in one step, and a reader never sees half a file.
 */
export async function writePrivateFile(file: string, content: string, option: string): Promise<void> {
  await checkOutputFile(file, option);
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    await rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw err;
  }
}

/** Refuses, before any work, an output whose directory is missing or that names a directory. */
export async function checkOutputFile(file: string, option: string): Promise<void> {
  const problem = await whyUnwritable(file, path.dirname(file));
  if (problem) {
    throw userError(
      "cli.bad-output",
      `--${option}: cannot write ${file}: ${problem}`,
      `Pass --${option} with a file path in an existing directory.`,
    );
  }
}

async function whyUnwritable(file: string, dir: string): Promise<string | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return `${dir} is not a directory`;
  } catch {
    return `the directory ${dir} does not exist`;
  }
  try {
    const target = await stat(file);
    if (!target.isFile()) return "it exists and is not a regular file";
  } catch {
    // Absent: it will be created.
  }
  return undefined;
}
