import { execFileSync } from "node:child_process";

/**
 * Returns the path of a tool the toolchain installer provides, or fails the test with the
 * fix. Tests never skip for a missing tool: a missing tool is a broken set-up.
 */
export function requireTool(name: string): string {
  try {
    return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      `Required tool "${name}" is not on PATH. Run scripts/install-toolchain.sh and put its printed bin directory on PATH (npm test does both).`,
    );
  }
}
