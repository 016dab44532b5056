import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { startGitHubStandIn, type GitHubStandIn } from "./github-stand-in.js";

// No real GitHub is reachable here: the CLI talks over HTTP to a local stand-in that
// answers the same REST calls (see github-stand-in.ts).

const TOKEN = "ghs_cli-test-token-0123456789";

describe("ecs-pipeline pr-comment", () => {
  let gh: GitHubStandIn;
  let dir: string;
  let out: string[];
  let log: string[];
  beforeEach(async () => {
    gh = await startGitHubStandIn({ token: TOKEN });
    dir = await mkdtemp(path.join(os.tmpdir(), "pr-comment-"));
    out = [];
    log = [];
  });
  afterEach(async () => gh.stop());

  const run = (args: string[], env: NodeJS.ProcessEnv = { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.apiUrl }) =>
    main(["pr-comment", ...args], { out: (t) => out.push(t), log: (t) => log.push(t), env, cwd: dir });

  it("posts the body file as the PR's comment, then updates it in place on the next run", async () => {
    await writeFile(path.join(dir, "plan.md"), "## dev\n1 to add");
    const args = ["--repository", "acme/platform", "--pr", "7", "--key", "plan/dev", "--body-file", "plan.md"];
    expect(await run(args)).toBe(0);
    await writeFile(path.join(dir, "plan.md"), "## dev\nno changes");
    expect(await run(args)).toBe(0);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain("no changes");
    expect(log).toEqual([
      expect.stringMatching(/^created: part 1\/1 https:\/\/github\.example\/.+#issuecomment-\d+$/),
      expect.stringMatching(/^updated: part 1\/1 /),
    ]);
    expect(out[1]).toMatch(/^comment plan\/dev on acme\/platform#7: https:/);
  });

  it("posts several body files as the parts of one comment", async () => {
    await writeFile(path.join(dir, "1.md"), "part one");
    await writeFile(path.join(dir, "2.md"), "part two");
    const code = await run(
      ["--repository", "acme/platform", "--pr", "7", "--key", "plan/prod"].concat([
        "--body-file",
        "1.md",
        "--body-file",
        "2.md",
        "--json",
      ]),
    );
    expect(code).toBe(0);
    expect(gh.comments.map((c) => c.body.split("\n")[1])).toEqual(["part one", "part two"]);
    expect(JSON.parse(out[0]!)).toMatchObject({ dryRun: false, changes: [{ action: "create" }, { action: "create" }] });
  });

  it("splits a single body over GitHub's limit into several comments that each fit", async () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `- \`module.ecs.aws_ecs_service.svc[${i}]\` will be updated in place`,
    );
    await writeFile(path.join(dir, "plan.md"), lines.join("\n"));
    const code = await run([
      "--repository",
      "acme/platform",
      "--pr",
      "7",
      "--key",
      "plan/prod",
      "--body-file",
      "plan.md",
    ]);
    expect(code).toBe(0);
    expect(gh.comments.length).toBeGreaterThan(1);
    expect(gh.comments.every((c) => c.body.length <= 65_536)).toBe(true);
    const text = gh.comments.map((c) => c.body).join("\n");
    expect(text).toContain("svc[0]");
    expect(text).toContain("svc[2999]");
  });

  it("fails with a user error and a hint, before any call, when no token is set", async () => {
    await writeFile(path.join(dir, "plan.md"), "x");
    const code = await run(
      ["--repository", "acme/platform", "--pr", "7", "--key", "plan/dev", "--body-file", "plan.md"],
      {
        GITHUB_API_URL: gh.apiUrl,
      },
    );
    expect(code).toBe(2);
    expect(log.join("\n")).toMatch(/neither GITHUB_TOKEN nor GH_TOKEN is set\nHint: /);
    expect(gh.requests).toEqual([]);
  });

  it("rejects a pull request number that is not one", async () => {
    const code = await run(["--repository", "acme/platform", "--pr", "seven", "--key", "plan/dev", "--body-file", "x"]);
    expect(code).toBe(2);
    expect(log[0]).toContain('--pr "seven" is not a pull request number');
  });

  it("maps a GitHub refusal to the tool exit code without printing the token", async () => {
    gh.readOnly = true;
    await writeFile(path.join(dir, "plan.md"), "x");
    const code = await run([
      "--repository",
      "acme/platform",
      "--pr",
      "7",
      "--key",
      "plan/dev",
      "--body-file",
      "plan.md",
    ]);
    expect(code).toBe(4);
    expect(log.join("\n")).toContain("HTTP 403");
    expect(log.join("\n")).not.toContain(TOKEN);
  });
});
