import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkProviderLocks, exactVersion, satisfies } from "../../../src/lint/provider-lock.js";

const repo = path.resolve(".");
const scratch: string[] = [];

/** A copy of the repository's terraform/ to break one thing in. */
async function copyTerraform(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "provider-lock-"));
  scratch.push(root);
  await cp(path.join(repo, "terraform"), path.join(root, "terraform"), {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes(".terraform"),
  });
  return root;
}

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const next = text.replace(from, to);
  expect(next, `${file}: nothing replaced`).not.toBe(text);
  await writeFile(file, next);
}

afterEach(async () => {
  await Promise.all(scratch.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("the provider lock check of lint", () => {
  it("passes on the repository: both roots pin hashicorp/aws exactly and lock it for linux_amd64 and linux_arm64", async () => {
    expect(await checkProviderLocks(repo)).toEqual([]);
  });

  it("fails when a root has no lock file, saying how to make one", async () => {
    const root = await copyTerraform();
    await rm(path.join(root, "terraform/bootstrap/.terraform.lock.hcl"));
    expect(await checkProviderLocks(root)).toEqual([
      {
        root: "terraform/bootstrap",
        message:
          "terraform/bootstrap/.terraform.lock.hcl is missing. Create it with: tofu providers lock -platform=linux_amd64 -platform=linux_arm64 (in the root, with registry access), and commit it.",
      },
    ]);
  });

  it("fails when the constraint floats, even with a lock file", async () => {
    const root = await copyTerraform();
    await edit(path.join(root, "terraform/platform/versions.tf"), 'version = "6.0.0"', 'version = ">= 6.0, < 7.0"');
    const problems = await checkProviderLocks(root);
    expect(problems.map((p) => p.message)).toEqual([
      'provider aws (hashicorp/aws) is not pinned to one version: ">= 6.0, < 7.0" (terraform/platform/versions.tf); write version = "X.Y.Z"',
    ]);
  });

  it("fails when the lock file locks another version than the root requires", async () => {
    const root = await copyTerraform();
    await edit(path.join(root, "terraform/platform/versions.tf"), 'version = "6.0.0"', 'version = "6.2.0"');
    const messages = (await checkProviderLocks(root)).map((p) => p.message);
    expect(messages).toContain(
      "the lock file locks registry.opentofu.org/hashicorp/aws 6.0.0, but the root requires 6.2.0. Create it with: tofu providers lock -platform=linux_amd64 -platform=linux_arm64 (in the root, with registry access), and commit it.",
    );
  });

  it("fails when a module the root calls does not admit the locked version", async () => {
    const root = await copyTerraform();
    await edit(path.join(root, "terraform/modules/ecs/versions.tf"), ">= 6.0, < 7.0", ">= 6.1, < 7.0");
    const problems = await checkProviderLocks(root);
    expect(problems).toEqual([
      {
        root: "terraform/platform",
        message:
          'the locked registry.opentofu.org/hashicorp/aws 6.0.0 does not meet ">= 6.1, < 7.0" in terraform/modules/ecs/versions.tf',
      },
    ]);
  });

  it("fails when the lock carries the package hash of one platform only (what tofu init on one machine writes)", async () => {
    const root = await copyTerraform();
    await edit(
      path.join(root, "terraform/bootstrap/.terraform.lock.hcl"),
      /\s*"h1:YUwtc4UmeSvIZetaDrxkAHuGK2pENco7XhfWIiGm67E=",/,
      "",
    );
    expect((await checkProviderLocks(root)).map((p) => p.message)).toEqual([
      "the lock file has 1 package hash(es) (h1:) for registry.opentofu.org/hashicorp/aws; it needs one per platform (linux_amd64, linux_arm64). Create it with: tofu providers lock -platform=linux_amd64 -platform=linux_arm64 (in the root, with registry access), and commit it.",
    ]);
  });
});

describe("Terraform version constraints", () => {
  it("reads only single versions as exact", () => {
    expect(exactVersion("6.0.0")).toBe("6.0.0");
    expect(exactVersion("= 6.0.0")).toBe("6.0.0");
    expect(exactVersion("~> 6.0")).toBeUndefined();
    expect(exactVersion(">= 6.0, < 7.0")).toBeUndefined();
  });

  it("evaluates every operator as Terraform does", () => {
    expect(satisfies("6.0.0", ">= 6.0, < 7.0")).toBe(true);
    expect(satisfies("7.0.0", ">= 6.0, < 7.0")).toBe(false);
    expect(satisfies("6.9.1", "~> 6.1")).toBe(true);
    expect(satisfies("7.0.0", "~> 6.1")).toBe(false);
    expect(satisfies("6.1.9", "~> 6.1.2")).toBe(true);
    expect(satisfies("6.2.0", "~> 6.1.2")).toBe(false);
    expect(satisfies("6.0.0", "!= 6.0.0")).toBe(false);
    expect(satisfies("6.0.0", "> 5.99, <= 6.0.0")).toBe(true);
  });
});
