import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { writeResults } from "../../../src/report/write.js";

// No GitLab is reachable here: a local stand-in answers the notes API the way GitLab documents
// it (https://docs.gitlab.com/api/notes/#merge-requests): PRIVATE-TOKEN auth, pages of notes
// with an x-next-page header, system notes among them.

const TOKEN = "glpat-mr-note-test-0123456789";
const FIXTURE = path.resolve(import.meta.dirname, "../../fixtures/report/pull-request-dev");

interface Note {
  id: number;
  body: string;
  system: boolean;
  author: { username: string };
}

async function gitLabStandIn(perPage = 2) {
  const notes: Note[] = [
    { id: 1, body: "added 3 commits", system: true, author: { username: "alice" } },
    // Someone pasted our marker: not ours, never adopted.
    {
      id: 2,
      body: '<!-- ecs-pipeline:comment key="plan/dev" part="1/1" -->\nfake',
      system: false,
      author: { username: "mallory" },
    },
  ];
  let next = 100;
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(body === undefined ? "" : JSON.stringify(body));
      };
      if (req.headers["private-token"] !== TOKEN) return send(401, { message: "401 Unauthorized" });
      const url = new URL(req.url!, "http://x");
      if (url.pathname === "/api/v4/user") return send(200, { username: "project_42_bot" });
      const m = /^\/api\/v4\/projects\/42\/merge_requests\/7\/notes(?:\/(\d+))?$/.exec(url.pathname);
      if (!m) return send(404, { message: "404 Not Found" });
      const body = raw ? (JSON.parse(raw) as { body: string }).body : "";
      if (req.method === "GET") {
        const page = Number(url.searchParams.get("page") ?? "1");
        const slice = notes.slice((page - 1) * perPage, page * perPage);
        return send(200, slice, page * perPage < notes.length ? { "x-next-page": String(page + 1) } : {});
      }
      if (req.method === "POST") {
        const note = { id: next++, body, system: false, author: { username: "project_42_bot" } };
        notes.push(note);
        return send(201, note);
      }
      const note = notes.find((n) => n.id === Number(m[1]));
      if (!note) return send(404, { message: "404 Not found" });
      if (req.method === "PUT") {
        note.body = body;
        return send(200, note);
      }
      notes.splice(notes.indexOf(note), 1);
      return send(204);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
  return { apiUrl, notes, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("pr-comment --gitlab-project: the check results and the plan as one merge-request note", () => {
  let gl: Awaited<ReturnType<typeof gitLabStandIn>>;
  let dir: string;
  let log: string[];
  beforeEach(async () => {
    gl = await gitLabStandIn();
    dir = await mkdtemp(path.join(os.tmpdir(), "mr-note-"));
    await cp(FIXTURE, dir, { recursive: true });
    await writeResults(dir);
    log = [];
  });
  afterEach(async () => {
    await gl.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: NodeJS.ProcessEnv = { GITLAB_TOKEN: TOKEN, CI_API_V4_URL: gl.apiUrl }) =>
    main(["pr-comment", "--gitlab-project", "42", "--pr", "7", ...args], {
      out: () => undefined,
      log: (t) => log.push(t),
      env,
      cwd: dir,
    });

  it("adds one note, checks above the plan, then updates that note in place", async () => {
    expect(await run(["--plan-dir", "plan", "--record", "run.json"])).toBe(0);
    const ours = () => gl.notes.filter((n) => n.author.username === "project_42_bot");
    expect(ours()).toHaveLength(1);
    const body = ours()[0]!.body;
    expect(body.split("\n")[0]).toBe('<!-- ecs-pipeline:comment key="plan/dev" part="1/1" -->');
    expect(body.indexOf("### Checks:")).toBeLessThan(body.indexOf("### OpenTofu plan for `dev`"));
    expect(body).toContain("811 passed, 1 failed, 2 skipped · coverage: lines 87.8%");

    expect(await run(["--plan-dir", "plan"])).toBe(0);
    expect(ours().map((n) => n.id)).toEqual([100]);
    expect(ours()[0]!.body).not.toContain("### Checks:");
    expect(gl.notes.find((n) => n.id === 2)!.body).toContain("fake");
    expect(log.at(-1)).toBe("updated: part 1/1 merge request !7 of project 42#note_100");
  });

  it("refuses without GITLAB_TOKEN, saying which token to create", async () => {
    expect(await run(["--record", "run.json"], { CI_API_V4_URL: gl.apiUrl })).toBe(2);
    expect(log[0]).toMatch(/^Error: Failed to find a GitLab token: GITLAB_TOKEN is not set/);
    expect(log.join("\n")).toContain("project access token with the api scope");
  });

  it("names the status and the token's needs when GitLab refuses it", async () => {
    const code = await run(["--record", "run.json"], { GITLAB_TOKEN: "wrong", CI_API_V4_URL: gl.apiUrl });
    expect(code).not.toBe(0);
    expect(log.join("\n")).toContain("GitLab answered 401");
    expect(log.join("\n")).not.toContain("wrong");
  });
});
