import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

/**
 * The installer's directory is a cache volume in the Dagger `test` function: it outlives the
 * container, and every run starts from a fresh image. These tests give the installer a
 * directory whose records say "done" while the machine around it says otherwise, and
 * require it to look at the machine (issue 10: every second `dagger call test` failed).
 */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function install(toolchainDir: string, tools: string[], env: Record<string, string> = {}): Promise<Result> {
  return exec("bash", ["scripts/install-toolchain.sh", ...tools], {
    env: { ...process.env, TOOLCHAIN_DIR: toolchainDir, ...env },
    timeout: 600_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

/**
 * A fresh Debian image as apt sees it, on PATH: no package installed, no package lists until
 * `apt-get update`, and `apt-get install` failing exactly as apt does without lists. These are
 * stubs because the real thing cannot exist here: a throwaway root filesystem with empty apt
 * lists needs a container engine, and real apt-get on this shared machine would change it.
 * The image's state lives in `imageDir`; a new imageDir is a new container.
 */
function freshImage(root: string): { bin: string; imageDir: string; log: string } {
  const bin = path.join(root, "bin");
  const imageDir = path.join(root, "image");
  mkdirSync(bin, { recursive: true });
  mkdirSync(imageDir, { recursive: true });
  const log = path.join(imageDir, "apt.log");
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\nIMAGE='${imageDir}'\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  stub("dpkg", `[ "$1" = -s ] && [ -f "$IMAGE/installed-$2" ]`);
  stub("apt-cache", `[ "$1" = show ] && [ -d "$IMAGE/lists" ] || { echo "E: No packages found" >&2; exit 100; }`);
  stub(
    "apt-get",
    `echo "apt-get $*" >>"$IMAGE/apt.log"
case " $* " in
  *" update "*) mkdir -p "$IMAGE/lists" ;;
  *" install "*)
    for p in "$@"; do case $p in -*|install) ;; *)
      [ -d "$IMAGE/lists" ] || { echo "E: Unable to locate package $p" >&2; exit 100; }
      touch "$IMAGE/installed-$p" ;;
    esac; done ;;
esac`,
  );
  return { bin, imageDir, log };
}

describe("the toolchain installer run again in a fresh container with its cache kept", () => {
  it("updates apt's lists whenever apt knows none of the packages, whatever the cache says", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "toolchain-repeat-"));
    const cache = path.join(root, "cache");
    // What the old installer left in the cache volume after its first run.
    mkdirSync(path.join(cache, "stamps"), { recursive: true });
    writeFileSync(path.join(cache, "stamps", "apt-updated"), "");

    for (const run of ["first", "second"]) {
      rmSync(path.join(root, "image"), { recursive: true, force: true });
      const image = freshImage(root);
      const result = await install(cache, ["apt"], { PATH: `${image.bin}:${process.env.PATH}` });
      expect(result.stderr, `${run} run`).not.toContain("Unable to locate package");
      expect(result.code, `${run} run: ${result.stderr}`).toBe(0);
      const calls = readFileSync(image.log, "utf8").trim().split("\n");
      expect(calls[0], run).toBe("apt-get update -qq");
      expect(calls[1], run).toMatch(/^apt-get install .*shellcheck skopeo docker-registry python3-venv$/);
      for (const p of ["shellcheck", "skopeo", "docker-registry", "python3-venv"]) {
        expect(existsSync(path.join(image.imageDir, `installed-${p}`)), `${run}: ${p}`).toBe(true);
      }
    }
  });

  it("leaves apt alone when every package is already installed", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "toolchain-repeat-"));
    const image = freshImage(root);
    for (const p of ["shellcheck", "skopeo", "docker-registry", "python3-venv"]) {
      writeFileSync(path.join(image.imageDir, `installed-${p}`), "");
    }
    const result = await install(path.join(root, "cache"), ["apt"], { PATH: `${image.bin}:${process.env.PATH}` });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(image.log)).toBe(false);
  });

  it(
    "rebuilds a Go tool whose stamp survived but whose binary did not, with the real Go toolchain",
    { timeout: 900_000 },
    async () => {
      const cache = mkdtempSync(path.join(os.tmpdir(), "toolchain-repeat-"));
      mkdirSync(path.join(cache, "stamps"), { recursive: true });
      writeFileSync(path.join(cache, "stamps", "actionlint"), "v1.7.12\n");

      const result = await install(cache, ["actionlint"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^ {2}actionlint +v1\.7\.12 +installing\.\.\.$/m);
      // Built from the module's own directory, it reports "(devel)": it runs, that is the point.
      const { stdout } = await exec(path.join(cache, "bin", "actionlint"), ["-version"]);
      expect(stdout).toMatch(/built with go/);

      // Now record and files agree: the next run trusts them.
      const again = await install(cache, ["actionlint"]);
      expect(again.stdout).toMatch(/^ {2}actionlint +v1\.7\.12 +cached$/m);
    },
  );
});
