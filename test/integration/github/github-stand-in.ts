import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local HTTP server answering the four GitHub REST calls the pull-request comment uses
 * (list with Link pagination, create, update, delete issue comments). It is a stand-in
 * because no real GitHub is reachable from the machines the tests run on; it follows the
 * documented request and response shapes (https://docs.github.com/rest/issues/comments),
 * including the 65,536-character body limit and Bearer-token authentication.
 */

export interface StoredComment {
  id: number;
  issue: string;
  body: string;
  user: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface GitHubStandIn {
  apiUrl: string;
  comments: StoredComment[];
  requests: RecordedRequest[];
  /** Adds a comment as another user would, returning its id. */
  seed(issue: string, body: string, user?: string): number;
  /** Answer every write with 403, as GitHub does for a read-only token. */
  readOnly: boolean;
  stop(): Promise<void>;
}

export interface StandInOptions {
  token: string;
  /** Comments per page (GitHub's maximum is 100; small here to exercise pagination). */
  pageSize?: number;
  /**
   * The token's user, for a personal token: GET /user answers it and comments are written as
   * it. Absent: the token is GitHub Actions' installation token, for which GET /user answers
   * 403 "Resource not accessible by integration" and comments are by github-actions[bot].
   */
  user?: string;
  /** Rewrites the Link header of a page of comments (a hostile or broken proxy). */
  rewriteLink?: (link: string) => string;
}

const BODY_LIMIT = 65_536;

export async function startGitHubStandIn(options: StandInOptions): Promise<GitHubStandIn> {
  const pageSize = options.pageSize ?? 100;
  let nextId = 1000;
  const state = {
    comments: [] as StoredComment[],
    requests: [] as RecordedRequest[],
    readOnly: false,
  };
  let apiUrl = "";

  const json = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const view = (c: StoredComment) => ({
    id: c.id,
    body: c.body,
    user: { login: c.user },
    html_url: `https://github.example/${c.issue}#issuecomment-${c.id}`,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", apiUrl);
    state.requests.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
    });
    if (req.headers.authorization !== `Bearer ${options.token}`) return json(res, 401, { message: "Bad credentials" });
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const body = raw ? (JSON.parse(raw) as { body?: string }).body : undefined;
    if (state.readOnly && req.method !== "GET") {
      return json(res, 403, { message: "Resource not accessible by integration" });
    }
    if (body !== undefined && body.length > BODY_LIMIT) {
      return json(res, 422, {
        message: "Validation Failed",
        errors: [{ message: "Body is too long (maximum is 65536 characters)" }],
      });
    }

    if (url.pathname === "/user" && req.method === "GET") {
      return options.user
        ? json(res, 200, { login: options.user, type: "User" })
        : json(res, 403, { message: "Resource not accessible by integration" });
    }
    const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list) {
      const issue = `${list[1]}/${list[2]}/issues/${list[3]}`;
      if (req.method === "POST") {
        const comment = { id: nextId++, issue, body: body ?? "", user: options.user ?? "github-actions[bot]" };
        state.comments.push(comment);
        return json(res, 201, view(comment));
      }
      if (req.method !== "GET") return json(res, 404, { message: "Not Found" });
      const all = state.comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id);
      const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30), pageSize);
      const page = Number(url.searchParams.get("page") ?? 1);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url);
        next.searchParams.set("page", String(page + 1));
        const link = `<${next.toString()}>; rel="next", <${apiUrl}/ignored>; rel="last"`;
        headers.link = options.rewriteLink ? options.rewriteLink(link) : link;
      }
      return json(res, 200, slice.map(view), headers);
    }

    const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
    const comment = one ? state.comments.find((c) => c.id === Number(one[3])) : undefined;
    if (!one || !comment) return json(res, 404, { message: "Not Found" });
    if (req.method === "PATCH") {
      comment.body = body ?? "";
      return json(res, 200, view(comment));
    }
    if (req.method === "DELETE") {
      state.comments.splice(state.comments.indexOf(comment), 1);
      return json(res, 204);
    }
    return json(res, 404, { message: "Not Found" });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => json(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiUrl,
    get comments() {
      return state.comments;
    },
    get requests() {
      return state.requests;
    },
    get readOnly() {
      return state.readOnly;
    },
    set readOnly(value: boolean) {
      state.readOnly = value;
    },
    seed(issue, body, user = "someone") {
      const id = nextId++;
      state.comments.push({ id, issue, body, user });
      return id;
    },
    stop: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
