import { PipelineError, userError } from "../errors.js";

/** A pull request (GitHub's REST API addresses its conversation as an issue). */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

export interface IssueComment {
  id: number;
  body: string;
  htmlUrl: string;
  /** The author's login; a comment is ours only when we wrote it. */
  author: string | undefined;
}

/**
 * The login GitHub Actions' GITHUB_TOKEN comments as. That token is a GitHub App
 * installation token, for which GET /user answers 403 "Resource not accessible by
 * integration"; its comments are authored by this bot.
 */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

/** Only the calls the pull-request comment needs. */
export interface CommentsApi {
  /** The login the token acts as: its comments are the only ones we may adopt. */
  whoAmI(): Promise<string>;
  listComments(pr: PullRequestRef): Promise<IssueComment[]>;
  createComment(pr: PullRequestRef, body: string): Promise<IssueComment>;
  updateComment(pr: PullRequestRef, id: number, body: string): Promise<IssueComment>;
  deleteComment(pr: PullRequestRef, id: number): Promise<void>;
}

export interface GitHubClientOptions {
  /** A token allowed to write pull-request comments. Sent only in the Authorization header. */
  token: string;
  /** REST base URL: https://api.github.com, GitHub Enterprise's, or a local stand-in in tests. */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
}

export const DEFAULT_API_URL = "https://api.github.com";

/** Where the token comes from: GITHUB_TOKEN (GitHub Actions' own), then GH_TOKEN. */
export function tokenFromEnv(env: NodeJS.ProcessEnv): string {
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token) {
    throw userError(
      "github.no-token",
      "Failed to find a GitHub token: neither GITHUB_TOKEN nor GH_TOKEN is set",
      "In GitHub Actions pass secrets.GITHUB_TOKEN (with permissions pull-requests: write); on a laptop export GH_TOKEN.",
    );
  }
  return token;
}

interface RawComment {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login?: string } | null;
}

/** A REST client over fetch for issue comments. The token never appears in errors or logs. */
export function gitHubClient(options: GitHubClientOptions): CommentsApi {
  const base = (options.apiUrl ?? DEFAULT_API_URL).replace(/\/+$/, "");
  const origin = apiOrigin(base);
  const doFetch = options.fetch ?? globalThis.fetch;

  async function call(method: string, url: string, what: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: "application/vnd.github+json",
          "x-github-api-version": "2022-11-28",
          "user-agent": "ecs-pipeline",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new PipelineError(`Failed to ${what}: ${(err as Error).message}`, {
        code: "github.unreachable",
        source: "tool",
        hint: `Check that ${base} is reachable from here.`,
        cause: err,
      });
    }
    if (!response.ok) throw await httpError(response, what);
    return response;
  }

  async function whoAmI(): Promise<string> {
    try {
      const response = await call("GET", `${base}/user`, "read the token's user");
      const login = ((await response.json()) as { login?: unknown }).login;
      if (typeof login === "string" && login !== "") return login;
    } catch (err) {
      // An installation token (GITHUB_TOKEN) may not read /user; it comments as the Actions bot.
      if ((err as PipelineError).code === "github.http-403") return ACTIONS_BOT_LOGIN;
      throw err;
    }
    throw new PipelineError("Failed to read the token's user: GET /user answered without a login", {
      code: "github.no-login",
      source: "tool",
    });
  }

  const commentsUrl = (pr: PullRequestRef) =>
    `${base}/repos/${encodeURIComponent(pr.owner)}/${encodeURIComponent(pr.repo)}/issues/${pr.number}/comments`;
  const commentUrl = (pr: PullRequestRef, id: number) =>
    `${base}/repos/${encodeURIComponent(pr.owner)}/${encodeURIComponent(pr.repo)}/issues/comments/${id}`;
  const name = (pr: PullRequestRef) => `${pr.owner}/${pr.repo}#${pr.number}`;

  return {
    whoAmI,
    async listComments(pr) {
      const all: IssueComment[] = [];
      let url: string | undefined = `${commentsUrl(pr)}?per_page=100`;
      while (url) {
        const response = await call("GET", url, `list the comments of ${name(pr)}`);
        all.push(...((await response.json()) as RawComment[]).map(toComment));
        url = nextLink(response.headers.get("link"));
        if (url !== undefined) checkSameOrigin(url, origin, name(pr));
      }
      return all;
    },
    async createComment(pr, body) {
      const response = await call("POST", commentsUrl(pr), `comment on ${name(pr)}`, { body });
      return toComment((await response.json()) as RawComment);
    },
    async updateComment(pr, id, body) {
      const response = await call("PATCH", commentUrl(pr, id), `update comment ${id} on ${name(pr)}`, { body });
      return toComment((await response.json()) as RawComment);
    },
    async deleteComment(pr, id) {
      await call("DELETE", commentUrl(pr, id), `delete comment ${id} on ${name(pr)}`);
    },
  };
}

function toComment(raw: RawComment): IssueComment {
  return { id: raw.id, body: raw.body ?? "", htmlUrl: raw.html_url, author: raw.user?.login ?? undefined };
}

function apiOrigin(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw userError("github.bad-api-url", `Failed to use the GitHub API URL "${base}": it is not a URL`, API_URL_HINT);
  }
  if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
  ) {
    throw userError(
      "github.bad-api-url",
      `Failed to use the GitHub API URL "${base}": the token would travel unencrypted (only https, or http on loopback)`,
      API_URL_HINT,
    );
  }
  return url.origin;
}

const API_URL_HINT =
  "Pass --api-url https://api.github.com (or your GitHub Enterprise's https://HOST/api/v3), or leave it out.";

/**
 * A Link header's next page is followed only on the API's own origin: every request carries
 * the token, and a response (or a proxy) naming another host must not receive it.
 */
function checkSameOrigin(next: string, origin: string, what: string): void {
  let target = "";
  try {
    target = new URL(next).origin;
  } catch {
    // Not a URL: refused below.
  }
  if (target !== origin) {
    throw new PipelineError(
      `Failed to list the comments of ${what}: the next page is on ${target || `"${next}"`}, not the API's origin ${origin}; not sending the token there`,
      {
        code: "github.foreign-next-page",
        source: "tool",
        hint: "Check --api-url / GITHUB_API_URL and any proxy between here and GitHub.",
      },
    );
  }
}

/** The rel="next" target of a Link header, per GitHub's pagination. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}

const HINTS: Record<number, string> = {
  401: "The token was refused: it is missing, expired or revoked.",
  403: "The token may not write here: the job needs `permissions: pull-requests: write` (forks get a read-only token).",
  404: "No such repository or pull request, or the token cannot see the repository.",
  422: "GitHub refused the comment body (too long or malformed).",
};

async function httpError(response: Response, what: string): Promise<PipelineError> {
  let detail = "";
  try {
    const parsed = (await response.json()) as { message?: unknown };
    if (typeof parsed.message === "string") detail = `: ${parsed.message}`;
  } catch {
    // No JSON body: the status alone says enough.
  }
  const hint = HINTS[response.status];
  return new PipelineError(`Failed to ${what}: HTTP ${response.status}${detail}`, {
    code: `github.http-${response.status}`,
    source: "tool",
    ...(hint === undefined ? {} : { hint }),
  });
}
