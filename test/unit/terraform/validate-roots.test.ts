import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { findRoots } from "../../../src/terraform/validate/roots.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, "../../fixtures/terraform/validate");

/** Roots of a fixture layout, relative to the scanned directory. */
async function rootsOf(layout: string, dir = "."): Promise<string[]> {
  const repoRoot = path.join(FIXTURES, layout);
  const found = await findRoots({ dir: path.resolve(repoRoot, dir), repoRoot });
  return found.roots.map((r) => path.relative(repoRoot, r) || ".");
}

describe("finding root modules the way tofu sees them", () => {
  it("takes the scanned directory itself when it holds .tf files; modules it calls are validated through it", async () => {
    expect(await rootsOf("flat")).toEqual(["."]);
    expect(await rootsOf("flat-aws")).toEqual(["."]);
  });

  it("finds one root in a subfolder by its backend when the top holds no .tf files", async () => {
    expect(await rootsOf("subfolder")).toEqual(["infra"]);
  });

  it("finds every root with a backend, never the module they share", async () => {
    expect(await rootsOf("several")).toEqual(["stacks/app", "stacks/data"]);
  });

  it("keeps a root whose file does not parse, so tofu reports the syntax error", async () => {
    expect(await rootsOf("syntax")).toEqual(["."]);
  });

  it("finds a directory with only a provider block, and an example calling the module at the top", async () => {
    const repo = await mkdtemp(path.join(tmpdir(), "roots-"));
    await mkdir(path.join(repo, "examples/complete"), { recursive: true });
    await mkdir(path.join(repo, "live"), { recursive: true });
    await writeFile(path.join(repo, "main.tf"), 'resource "aws_sns_topic" "this" {}\n');
    await writeFile(path.join(repo, "examples/complete/main.tf"), 'provider "aws" {\n  region = "eu-west-1"\n}\n\nmodule "topic" {\n  source = "../../"\n}\n');
    await writeFile(path.join(repo, "live/main.tf.json"), JSON.stringify({ provider: { aws: { region: "eu-west-1" } } }));
    const found = await findRoots({ dir: repo, repoRoot: repo });
    // The module repository's top is called by its example: validated through it, as tofu would.
    expect(found.roots.map((r) => path.relative(repo, r))).toEqual(["examples/complete", "live"]);
  });

  it("never walks into the pipeline's own folders or tofu's data directory", async () => {
    const repo = await mkdtemp(path.join(tmpdir(), "roots-"));
    await cp(path.join(FIXTURES, "subfolder"), repo, { recursive: true });
    for (const planted of [".pipeline/terraform/modules/x", "infra/.terraform/modules/y", "node_modules/z"]) {
      await mkdir(path.join(repo, planted), { recursive: true });
      await writeFile(path.join(repo, planted, "main.tf"), 'terraform {\n  backend "s3" {}\n}\n');
    }
    const found = await findRoots({ dir: repo, repoRoot: repo });
    expect(found.roots.map((r) => path.relative(repo, r))).toEqual(["infra"]);
  });

  it("takes roots named explicitly, and refuses one that is not a Terraform directory, naming it", async () => {
    const repoRoot = path.join(FIXTURES, "several");
    const found = await findRoots({ dir: repoRoot, repoRoot, explicit: ["stacks/data"] });
    expect(found).toEqual({ roots: [path.join(repoRoot, "stacks/data")], how: "explicit" });
    const err = await findRoots({ dir: repoRoot, repoRoot, explicit: ["stacks/nope"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).message).toContain("--root stacks/nope: does not exist");
    expect((err as PipelineError).source).toBe("user");
  });
});
