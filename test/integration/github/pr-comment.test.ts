import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitHubClient } from "../../../src/github/client.js";
import { describeError } from "../../../src/errors.js";
import { COMMENT_MAX_CHARS, partBudget, upsertPullRequestComment } from "../../../src/github/pr-comment.js";
import { startGitHubStandIn, type GitHubStandIn } from "./github-stand-in.js";

// No real GitHub is reachable from the machines these tests run on, so the comment logic
// runs over real HTTP against a local stand-in that answers the same REST calls.

const TOKEN = "ghs_test-token-not-a-secret-0123456789";
const pr = { owner: "acme", repo: "platform", number: 42 };
const ISSUE = "acme/platform/issues/42";

describe("the pull-request plan comment against a GitHub REST stand-in", () => {
  let gh: GitHubStandIn;
  beforeEach(async () => {
    gh = await startGitHubStandIn({ token: TOKEN, pageSize: 3 });
  });
  afterEach(async () => gh.stop());

  const api = () => gitHubClient({ token: TOKEN, apiUrl: gh.apiUrl });
  const ours = () => gh.comments.filter((c) => c.user === "github-actions[bot]");
  const writes = () => gh.requests.filter((r) => r.method !== "GET").map((r) => r.method);

  it("creates one comment carrying an invisible marker when the pull request has none", async () => {
    gh.seed(ISSUE, "LGTM");
    const result = await upsertPullRequestComment({
      api: api(),
      pr,
      key: "plan/dev",
      parts: ["## Plan: dev\n1 to add"],
    });
    expect(result.changes).toEqual([
      { action: "create", part: 1, id: expect.any(Number), url: expect.stringContaining("#issuecomment-") },
    ]);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toBe('<!-- ecs-pipeline:comment key="plan/dev" part="1/1" -->\n## Plan: dev\n1 to add');
  });

  it("updates the same comment in place on the next push instead of adding another", async () => {
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["1 to add"] });
    const firstId = ours()[0]!.id;
    gh.seed(ISSUE, "please rename the bucket");
    const result = await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["2 to add"] });
    expect(result.changes).toEqual([expect.objectContaining({ action: "update", part: 1, id: firstId })]);
    expect(ours()).toHaveLength(1);
    expect(ours()[0]!.body).toContain("2 to add");
    expect(gh.comments.find((c) => c.user === "someone")!.body).toBe("please rename the bucket");
  });

  it("sends no write at all when the body did not change", async () => {
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["no changes"] });
    gh.requests.length = 0;
    const result = await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["no changes"] });
    expect(result.changes.map((c) => c.action)).toEqual(["unchanged"]);
    expect(writes()).toEqual([]);
  });

  it("finds its comment on a later page of a long conversation", async () => {
    for (let i = 0; i < 4; i++) gh.seed(ISSUE, `chatter ${i}`);
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["v1"] });
    for (let i = 0; i < 5; i++) gh.seed(ISSUE, `more chatter ${i}`);
    gh.requests.length = 0;
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["v2"] });
    expect(gh.requests.filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(3);
    expect(writes()).toEqual(["PATCH"]);
    expect(ours()).toHaveLength(1);
  });

  it("posts a body over GitHub's limit as several comments, then deletes the surplus when it shrinks", async () => {
    const budget = partBudget("plan/prod");
    const parts = ["a".repeat(budget), "b".repeat(budget), "c".repeat(10)];
    const first = await upsertPullRequestComment({ api: api(), pr, key: "plan/prod", parts });
    expect(first.changes.map((c) => [c.action, c.part])).toEqual([
      ["create", 1],
      ["create", 2],
      ["create", 3],
    ]);
    expect(
      ours()
        .map((c) => c.body.length)
        .every((n) => n <= COMMENT_MAX_CHARS),
    ).toBe(true);
    expect(ours()[0]!.body.length).toBeGreaterThan(COMMENT_MAX_CHARS - 16);
    expect(ours()[1]!.body).toContain("<sub>Part 2 of 3</sub>");
    const [id1] = ours().map((c) => c.id);

    const second = await upsertPullRequestComment({ api: api(), pr, key: "plan/prod", parts: ["short now"] });
    expect(second.changes.map((c) => c.action)).toEqual(["update", "delete", "delete"]);
    expect(ours().map((c) => c.id)).toEqual([id1]);
    expect(ours()[0]!.body).toBe('<!-- ecs-pipeline:comment key="plan/prod" part="1/1" -->\nshort now');
  });

  it("refuses a part that would not fit in one comment before calling GitHub", async () => {
    const tooLong = "x".repeat(partBudget("plan/dev") + 1);
    await expect(upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: [tooLong] })).rejects.toThrow(
      /part 1 has \d+ characters, over the \d+ that fit/,
    );
    expect(gh.requests).toEqual([]);
  });

  it("keeps each environment's comment apart and leaves quoted markers in others' comments alone", async () => {
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["dev plan"] });
    const quoted = gh.seed(ISSUE, '> <!-- ecs-pipeline:comment key="plan/staging" part="1/1" -->\n> old plan\nwhy?');
    await upsertPullRequestComment({ api: api(), pr, key: "plan/staging", parts: ["staging plan"] });
    await upsertPullRequestComment({ api: api(), pr, key: "plan/staging", parts: ["staging plan v2"] });
    expect(ours().map((c) => c.body.split("\n")[1])).toEqual(["dev plan", "staging plan v2"]);
    expect(gh.comments.find((c) => c.id === quoted)!.body).toContain("why?");
  });

  it("changes nothing on a dry run but says what it would do", async () => {
    await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["v1"] });
    gh.requests.length = 0;
    const result = await upsertPullRequestComment({
      api: api(),
      pr,
      key: "plan/dev",
      parts: ["v2", "v2 more"],
      dryRun: true,
    });
    expect(result.changes.map((c) => c.action)).toEqual(["update", "create"]);
    expect(writes()).toEqual([]);
    expect(ours()[0]!.body).toContain("v1");
  });

  it("sends the token only in the Authorization header and never puts it in an error", async () => {
    gh.readOnly = true;
    const error = await upsertPullRequestComment({ api: api(), pr, key: "plan/dev", parts: ["x"] }).catch(
      (e: unknown) => e,
    );
    const text = describeError(error);
    expect(text).toContain("Failed to comment on acme/platform#42: HTTP 403: Resource not accessible by integration");
    expect(text).toContain("pull-requests: write");
    expect(text).not.toContain(TOKEN);
    expect(gh.requests.every((r) => r.authorization === `Bearer ${TOKEN}` && !r.path.includes(TOKEN))).toBe(true);
  });

  it("explains a refused token", async () => {
    const bad = gitHubClient({ token: "wrong", apiUrl: gh.apiUrl });
    await expect(upsertPullRequestComment({ api: bad, pr, key: "plan/dev", parts: ["x"] })).rejects.toMatchObject({
      message: "Failed to read the token's user: HTTP 401: Bad credentials",
      hint: expect.stringContaining("token was refused"),
    });
  });
});
