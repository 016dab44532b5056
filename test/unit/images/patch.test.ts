import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyPatchToDirectory, planPatch } from "../../../src/images/patch.js";

const dockerfile = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\nCMD ["serve"]\n';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "patch-"));
  await writeFile(path.join(dir, "Dockerfile"), dockerfile);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A real `git diff` of an edit made in a scratch checkout: the kind of patch users commit. */
function gitDiff(edit: (d: string) => Promise<void>): Promise<string> {
  return (async () => {
    const repo = await mkdtemp(path.join(tmpdir(), "patch-git-"));
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
        cwd: repo,
        encoding: "utf8",
      });
    git("init", "-q");
    await writeFile(path.join(repo, "Dockerfile"), dockerfile);
    git("add", ".");
    git("commit", "-qm", "upstream");
    await edit(repo);
    git("add", "-A");
    const diff = git("diff", "--cached");
    await rm(repo, { recursive: true, force: true });
    return diff;
  })();
}

describe("patching an upstream build context", () => {
  it("applies a git diff that edits the Dockerfile and adds a file", async () => {
    const patch = await gitDiff(async (repo) => {
      await writeFile(
        path.join(repo, "Dockerfile"),
        dockerfile.replace("RUN pip install .", "RUN pip install --no-cache-dir ."),
      );
      await mkdir(path.join(repo, "conf"));
      await writeFile(path.join(repo, "conf", "extra.env"), "A=1\n");
    });
    expect(planPatch(patch, "open-webui.patch")).toEqual([
      { file: "Dockerfile", action: "modify", hunks: 1 },
      { file: "conf/extra.env", action: "create", hunks: 1 },
    ]);
    await applyPatchToDirectory(dir, patch, "open-webui.patch");
    expect(await readFile(path.join(dir, "Dockerfile"), "utf8")).toContain("RUN pip install --no-cache-dir .");
    expect(await readFile(path.join(dir, "conf", "extra.env"), "utf8")).toBe("A=1\n");
  });

  it("changes nothing when one file of the patch no longer matches upstream", async () => {
    const patch = await gitDiff(async (repo) => {
      await writeFile(path.join(repo, "Dockerfile"), dockerfile.replace("WORKDIR /app", "WORKDIR /srv"));
      await writeFile(path.join(repo, "A-new.txt"), "x\n");
    });
    // git orders A-new.txt before Dockerfile: the hunk that fits comes first and must still not be written.
    expect(planPatch(patch, "p.patch").map((c) => c.file)).toEqual(["A-new.txt", "Dockerfile"]);
    await writeFile(path.join(dir, "Dockerfile"), dockerfile.replace("WORKDIR /app", "WORKDIR /opt"));
    await expect(applyPatchToDirectory(dir, patch, "p.patch")).rejects.toThrow(
      /Failed to apply patch p\.patch to Dockerfile: its hunks do not match/,
    );
    await expect(readFile(path.join(dir, "A-new.txt"), "utf8")).rejects.toThrow(/ENOENT/);
  });

  it("refuses a patch whose paths leave the context, and an empty one", () => {
    const escape = "--- a/../etc/passwd\n+++ b/../etc/passwd\n@@ -1 +1 @@\n-a\n+b\n";
    expect(() => planPatch(escape, "evil.patch")).toThrow(/outside the build context/);
    expect(() => planPatch("just words\n", "empty.patch")).toThrow(/contains no changes/);
  });

  it("names a file the patch expects but the context lacks", async () => {
    const patch = "--- a/missing.txt\n+++ b/missing.txt\n@@ -1 +1 @@\n-a\n+b\n";
    await expect(applyPatchToDirectory(dir, patch, "p.patch")).rejects.toThrow(
      /it changes missing\.txt, which is not in the build context/,
    );
  });
});
