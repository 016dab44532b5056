import { PipelineError, userError } from "../errors.js";
import type { CommentsApi, IssueComment, PullRequestRef } from "../github/client.js";

/**
 * A merge request's notes as the pull-request comment's CommentsApi, so GitLab gets the same
 * one comment, updated in place (src/github/pr-comment.ts). The merge request is
 * `pr.number` (its IID) in the configured project; owner and repo are not used.
 * GitLab's REST API: GET/POST /projects/:id/merge_requests/:iid/notes, PUT and DELETE
 * .../notes/:note_id, authenticated with a PRIVATE-TOKEN header
 * (https://docs.gitlab.com/api/notes/#merge-requests). The job token (CI_JOB_TOKEN) may not
 * write notes, so a project access token with the `api` scope is needed.
 */
export interface GitLabNotesOptions {
  /** A project (or group) access token with the api scope; sent only in the PRIVATE-TOKEN header. */
  token: string;
  /** REST base, e.g. https://gitlab.com/api/v4 (GitLab CI: $CI_API_V4_URL). */
  apiUrl: string;
  /** Project id or full path (GitLab CI: $CI_PROJECT_ID). */
  project: string;
  fetch?: typeof globalThis.fetch;
}

interface RawNote {
  id: number;
  body?: string | null;
  system?: boolean;
  author?: { username?: string } | null;
}

/** Where the token comes from: GITLAB_TOKEN. */
export function gitLabTokenFromEnv(env: NodeJS.ProcessEnv): string {
  const token = env.GITLAB_TOKEN;
  if (!token) {
    throw userError(
      "gitlab.no-token",
      "Failed to find a GitLab token: GITLAB_TOKEN is not set",
      "Create a project access token with the api scope (Reporter or above) and store it as the masked CI/CD variable GITLAB_TOKEN.",
    );
  }
  return token;
}

export function gitLabNotes(options: GitLabNotesOptions): CommentsApi {
  const base = options.apiUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const notesUrl = (pr: PullRequestRef) =>
    `${base}/projects/${encodeURIComponent(options.project)}/merge_requests/${pr.number}/notes`;
  const name = (pr: PullRequestRef) => `merge request !${pr.number} of project ${options.project}`;

  async function call(method: string, url: string, what: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: {
          "private-token": options.token,
          "user-agent": "ecs-pipeline",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new PipelineError(`Failed to ${what}: ${(err as Error).message}`, {
        code: "gitlab.unreachable",
        source: "tool",
        hint: `Check that ${base} is reachable from here.`,
        cause: err,
      });
    }
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? "GITLAB_TOKEN must be a project access token with the api scope and at least the Reporter role."
          : undefined;
      throw new PipelineError(`Failed to ${what}: GitLab answered ${response.status} ${response.statusText}`, {
        code: `gitlab.http-${response.status}`,
        source: "tool",
        ...(hint ? { hint } : {}),
      });
    }
    return response;
  }

  const toComment = (pr: PullRequestRef, raw: RawNote): IssueComment => ({
    id: raw.id,
    body: raw.body ?? "",
    htmlUrl: `${name(pr)}#note_${raw.id}`,
    author: raw.author?.username ?? undefined,
  });

  return {
    async whoAmI() {
      const response = await call("GET", `${base}/user`, "read the token's user");
      const username = ((await response.json()) as { username?: unknown }).username;
      if (typeof username === "string" && username !== "") return username;
      throw new PipelineError("Failed to read the token's user: GET /user answered without a username", {
        code: "gitlab.no-user",
        source: "tool",
      });
    },
    async listComments(pr) {
      const all: IssueComment[] = [];
      for (let page: string | null = "1"; page;) {
        const url = `${notesUrl(pr)}?sort=asc&order_by=created_at&per_page=100&page=${page}`;
        const response = await call("GET", url, `list the notes of ${name(pr)}`);
        const notes = (await response.json()) as RawNote[];
        all.push(...notes.filter((n) => !n.system).map((n) => toComment(pr, n)));
        page = response.headers.get("x-next-page") || null;
      }
      return all;
    },
    async createComment(pr, body) {
      const response = await call("POST", notesUrl(pr), `add a note to ${name(pr)}`, { body });
      return toComment(pr, (await response.json()) as RawNote);
    },
    async updateComment(pr, id, body) {
      const response = await call("PUT", `${notesUrl(pr)}/${id}`, `update note ${id} of ${name(pr)}`, { body });
      return toComment(pr, (await response.json()) as RawNote);
    },
    async deleteComment(pr, id) {
      await call("DELETE", `${notesUrl(pr)}/${id}`, `delete note ${id} of ${name(pr)}`);
    },
  };
}
