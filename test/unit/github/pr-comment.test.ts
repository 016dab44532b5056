import { describe, expect, it } from "vitest";
import { nextLink, tokenFromEnv } from "../../../src/github/client.js";
import { COMMENT_MAX_CHARS, findOwnComments, markerLine, partBudget } from "../../../src/github/pr-comment.js";

const BOT = "github-actions[bot]";
const comment = (id: number, body: string, author = BOT) => ({ id, body, htmlUrl: `u${id}`, author });

describe("pull-request comment markers", () => {
  it("marks a comment with its key and part in an HTML comment on the first line", () => {
    expect(markerLine("plan/dev", 2, 3)).toBe('<!-- ecs-pipeline:comment key="plan/dev" part="2/3" -->');
  });

  it("finds only the token's own comments that start with the key's marker, in thread order", () => {
    const found = findOwnComments(
      [
        comment(9, `${markerLine("plan/dev", 2, 2)}\nb`),
        comment(3, "LGTM"),
        comment(5, `${markerLine("plan/dev", 1, 2)}\na`),
        comment(6, `${markerLine("plan/dev-eu", 1, 1)}\nother key that shares a prefix`),
        comment(7, `> ${markerLine("plan/dev", 1, 1)}\nquoted by a reviewer`),
        comment(8, `${markerLine("plan/dev", 1, 1)}\nNo changes (a fake, written by someone else)`, "mallory"),
      ],
      "plan/dev",
      BOT,
    );
    expect(found.map((c) => c.id)).toEqual([5, 9]);
  });

  it("leaves room in each part for the marker and the part footer within GitHub's limit", () => {
    const budget = partBudget("plan/staging");
    expect(budget).toBeLessThan(COMMENT_MAX_CHARS);
    expect(COMMENT_MAX_CHARS - budget).toBeLessThan(120);
  });
});

describe("GitHub REST helpers", () => {
  it("follows the rel=next link of GitHub's pagination header and stops without one", () => {
    const header =
      '<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last"';
    expect(nextLink(header)).toBe("https://api.github.com/repositories/1/issues/2/comments?page=2");
    expect(nextLink('<https://x/?page=1>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });

  it("takes the token from GITHUB_TOKEN, then GH_TOKEN, and says how to provide one when both are missing", () => {
    expect(tokenFromEnv({ GITHUB_TOKEN: "a", GH_TOKEN: "b" })).toBe("a");
    expect(tokenFromEnv({ GH_TOKEN: "b" })).toBe("b");
    expect(() => tokenFromEnv({})).toThrow(/neither GITHUB_TOKEN nor GH_TOKEN/);
  });
});
