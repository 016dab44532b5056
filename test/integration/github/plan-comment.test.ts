import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { plan } from "../../../src/terraform/plan.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { makeRepo, writeVars, type TestRepo } from "../terraform/harness.js";
import { startGitHubStandIn, type GitHubStandIn } from "./github-stand-in.js";

// Real OpenTofu plans (state in moto's S3) posted by the CLI to a local stand-in for GitHub's
// REST API: no real GitHub is reachable from the machines these tests run on.

const TOKEN = "ghs_plan-comment-token-0123456789";
let moto: Moto;
let gh: GitHubStandIn;
beforeAll(async () => {
  moto = await startMoto();
  gh = await startGitHubStandIn({ token: TOKEN });
});
afterAll(async () => {
  await gh?.stop();
  await moto?.stop();
});

const planInto = (repo: TestRepo, out: string) =>
  plan({ env: repo.env, repoRoot: repo.root, outDir: path.join(repo.root, out), vars: repo.vars });

const comment = (planDir: string) =>
  main(["pr-comment", "--repository", "acme/platform", "--pr", "9", "--plan-dir", planDir], {
    out: () => undefined,
    log: () => undefined,
    env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.apiUrl },
    cwd: process.cwd(),
  });

describe("a plan posted as the pull request's comment", () => {
  it("is one comment per environment, split only while the plan is over GitHub's limit", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    expect(await comment((await planInto(repo, "small")).outDir)).toBe(0);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toMatch(/^<!-- ecs-pipeline:comment key="plan\/test" part="1\/1" -->\n/);
    expect(gh.comments[0]!.body).toContain("3 to add, 0 to change, 0 to destroy");
    const firstId = gh.comments[0]!.id;

    await writeVars(repo, 'environment = "test"\nitems = 4000\n');
    const big = await planInto(repo, "big");
    expect(big.parts.length).toBeGreaterThan(1);
    expect(await comment(big.outDir)).toBe(0);
    expect(gh.comments).toHaveLength(big.parts.length);
    expect(gh.comments[0]!.id).toBe(firstId);
    expect(gh.comments.every((c) => c.body.length <= 65_536)).toBe(true);
    expect(gh.comments.map((c) => c.body).join("\n")).toContain("terraform_data.item[3999]");

    await writeVars(repo, 'environment = "test"\nitems = 2\n');
    expect(await comment((await planInto(repo, "shrunk")).outDir)).toBe(0);
    expect(gh.comments.map((c) => c.id)).toEqual([firstId]);
    expect(gh.comments[0]!.body).toContain("2 to add");
  });
});
