import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { applyPatch, parsePatch, type StructuredPatch } from "diff";
import { userError } from "../errors.js";

/**
 * Patches for upstream build contexts (e.g. Open WebUI's Dockerfile). A patch is a unified
 * diff (`git diff` output) whose paths are relative to the build context: the fetched
 * repository, or its `subdir` when one is set.
 */
export interface PatchFileChange {
  /** Path inside the context. */
  file: string;
  action: "modify" | "create" | "delete";
  hunks: number;
}

/** Reads a patch and says what it will touch; refuses paths that leave the context. */
export function planPatch(patchText: string, patchName: string): PatchFileChange[] {
  let parsed: StructuredPatch[];
  try {
    parsed = parsePatch(patchText);
  } catch (err) {
    throw badPatch(patchName, (err as Error).message);
  }
  const changes = parsed.filter((p) => p.hunks.length > 0 || p.isDelete || p.isCreate);
  if (changes.length === 0) throw badPatch(patchName, "it contains no changes");
  return changes.map((p) => {
    if (p.isBinary) throw badPatch(patchName, `binary change to ${p.newFileName ?? p.oldFileName}`);
    const create = p.isCreate === true || p.oldFileName === "/dev/null";
    const del = p.isDelete === true || p.newFileName === "/dev/null";
    const name = del ? p.oldFileName : p.newFileName;
    return {
      file: safePath(name, patchName),
      action: create ? "create" : del ? "delete" : "modify",
      hunks: p.hunks.length,
    };
  });
}

/**
 * Applies a patch to a directory in place, every file or none: all hunks are fitted in
 * memory first, so a patch that no longer matches upstream leaves the context untouched.
 */
export async function applyPatchToDirectory(
  dir: string,
  patchText: string,
  patchName: string,
): Promise<PatchFileChange[]> {
  const plan = planPatch(patchText, patchName);
  const parsed = parsePatch(patchText).filter((p) => p.hunks.length > 0 || p.isDelete || p.isCreate);
  const results: { file: string; content: string | undefined }[] = [];
  for (const [i, change] of plan.entries()) {
    const patch = parsed[i];
    if (!patch) continue;
    const target = path.join(dir, change.file);
    const source = change.action === "create" ? "" : await readExisting(target, change.file, patchName);
    if (change.action === "delete") {
      results.push({ file: target, content: undefined });
      continue;
    }
    const patched = applyPatch(source, patch);
    if (patched === false) {
      throw userError(
        "images.patch-mismatch",
        `Failed to apply patch ${patchName} to ${change.file}: its hunks do not match the file in this context`,
        "The upstream commit changed that file; regenerate the patch against the pinned commit (git diff > patch).",
      );
    }
    results.push({ file: target, content: patched });
  }
  for (const r of results) {
    if (r.content === undefined) await rm(r.file);
    else {
      await mkdir(path.dirname(r.file), { recursive: true });
      await writeFile(r.file, r.content);
    }
  }
  return plan;
}

async function readExisting(file: string, shown: string, patchName: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw userError(
      "images.patch-mismatch",
      `Failed to apply patch ${patchName}: it changes ${shown}, which is not in the build context`,
      "Patch paths are relative to the build context (the repository, or its subdir when set).",
    );
  }
}

function safePath(name: string | undefined, patchName: string): string {
  const stripped = (name ?? "").replace(/^[ab]\//, "");
  const normal = path.posix.normalize(stripped);
  if (!stripped || path.posix.isAbsolute(stripped) || normal.startsWith("..")) {
    throw badPatch(patchName, `path "${name ?? ""}" is outside the build context`);
  }
  return normal;
}

function badPatch(patchName: string, cause: string) {
  return userError(
    "images.bad-patch",
    `Failed to read patch ${patchName}: ${cause}`,
    "Write the patch with `git diff` inside the upstream checkout (paths a/... b/... relative to the context).",
  );
}
