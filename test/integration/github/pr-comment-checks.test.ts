import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { writeResults } from "../../../src/report/write.js";
import { startGitHubStandIn, type GitHubStandIn } from "./github-stand-in.js";

// The pull request's one comment, with the run's check results above the plan, posted over
// HTTP to the local GitHub stand-in (no real GitHub is reachable here) from a recorded run
// (test/fixtures/report/pull-request-dev: its tests failed, the plan ran).

const TOKEN = "ghs_checks-test-token-0123456789";
const FIXTURE = path.resolve(import.meta.dirname, "../../fixtures/report/pull-request-dev");

describe("pr-comment --record: the check results above the plan", () => {
  let gh: GitHubStandIn;
  let dir: string;
  beforeEach(async () => {
    gh = await startGitHubStandIn({ token: TOKEN });
    dir = await mkdtemp(path.join(os.tmpdir(), "pr-checks-"));
    await cp(FIXTURE, dir, { recursive: true });
    await writeResults(dir);
  });
  afterEach(async () => {
    await gh.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    main(["pr-comment", "--repository", "acme/platform", "--pr", "57", ...args], {
      out: () => undefined,
      log: () => undefined,
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.apiUrl },
      cwd: dir,
    });

  it("posts one comment, checks first and the plan below, the golden file's content", async () => {
    expect(await run(["--plan-dir", "plan", "--record", "run.json"])).toBe(0);
    expect(gh.comments).toHaveLength(1);
    const body = gh.comments[0]!.body;
    await expect(body).toMatchFileSnapshot(path.resolve(FIXTURE, "../golden/pull-request-dev.comment.md"));
    expect(body.indexOf("### Checks:")).toBeLessThan(body.indexOf("### OpenTofu plan for `dev`"));
    expect(body.split("\n")[0]).toBe('<!-- ecs-pipeline:comment key="plan/dev" part="1/1" -->');
  });

  it("updates that comment in place when the next push's checks pass", async () => {
    expect(await run(["--plan-dir", "plan", "--record", "run.json"])).toBe(0);
    const first = gh.comments[0]!.id;
    expect(await run(["--plan-dir", "plan"])).toBe(0);
    expect(gh.comments.map((c) => c.id)).toEqual([first]);
    expect(gh.comments[0]!.body).not.toContain("### Checks:");
  });

  it("posts the check results alone, under the environment's key, when there is no plan", async () => {
    expect(await run(["--record", "run.json"])).toBe(0);
    expect(gh.comments[0]!.body).toContain('key="plan/dev"');
    expect(gh.comments[0]!.body).toContain("_The plan did not run; see the checks above._");
  });
});
