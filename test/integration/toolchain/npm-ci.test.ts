import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { npmCi } from "../../../dagger/src/containers.js";

const exec = promisify(execFile);

/**
 * The module's `npm ci` step (nodeWorkspace) run with sh as the container runs it. npm is a
 * PATH stub here because npm's own failure cannot be produced on demand: it sometimes exits 0
 * after "Exit handler never called!" with node_modules half written.
 */
function withNpm(behaviour: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = mkdtempSync(path.join(os.tmpdir(), "npm-ci-"));
  const bin = path.join(cwd, ".stub-bin");
  mkdirSync(bin);
  writeFileSync(path.join(bin, "npm"), `#!/bin/sh\n${behaviour}\n`);
  chmodSync(path.join(bin, "npm"), 0o755);
  return { cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

describe("the module's npm ci step", () => {
  it("fails at the install, saying so, when npm exits 0 without installing tsx", async () => {
    const { cwd, env } = withNpm('echo "npm ERR! Exit handler never called!" >&2; exit 0');
    const [cmd, ...args] = npmCi(".", "node_modules/.bin/tsx");
    const err = (await exec(cmd!, args, { cwd, env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("npm ci exited 0 but node_modules/.bin/tsx is missing: the install did not complete");
  });

  it("passes when npm installed what the next steps run", async () => {
    const { cwd, env } = withNpm(
      "mkdir -p node_modules/.bin && printf '#!/bin/sh\\n' > node_modules/.bin/tsx && chmod +x node_modules/.bin/tsx",
    );
    const [cmd, ...args] = npmCi(".", "node_modules/.bin/tsx");
    await expect(exec(cmd!, args, { cwd, env })).resolves.toBeDefined();
  });

  it("reports npm's own failure as npm's", async () => {
    const { cwd, env } = withNpm("echo 'npm ERR! network' >&2; exit 1");
    const [cmd, ...args] = npmCi("dagger", "dagger/node_modules/.bin/tsc");
    const err = (await exec(cmd!, args, { cwd, env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain("npm ERR! network");
    expect(err.stderr).not.toContain("is missing");
  });
});
