import { readFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";
import {
  DEFAULT_API_URL,
  gitHubClient,
  tokenFromEnv,
  type CommentsApi,
  type PullRequestRef,
} from "../github/client.js";
import { gitLabNotes, gitLabTokenFromEnv } from "../gitlab/notes.js";
import { partBudget, upsertPullRequestComment, type CommentChange } from "../github/pr-comment.js";
import { readRunRecord } from "../report/collect.js";
import { renderChecks } from "../report/markdown.js";
import { PLAN_FILES, readPlanDir, readSummaryParts } from "../terraform/plan-dir.js";
import { splitMarkdown } from "../terraform/split.js";
import { optionalString, requireString, type Command, type OptionValues } from "./command.js";

const VERBS: Record<CommentChange["action"], string> = {
  create: "created",
  update: "updated",
  unchanged: "unchanged",
  delete: "deleted",
};

/**
 * Posts (or updates in place) the pull request's comment for one key, e.g. the plan of one
 * environment. The body is a plan directory's summary parts (--plan-dir; key plan/<env> by
 * default), or --body-file: several are the parts of one body, already split; a single body
 * over GitHub's limit is split here with the plan summary's Markdown splitter. With --record
 * (a run's run.json), the run's check results come first, above the plan; without a plan
 * directory (the plan did not run) the comment is the check results alone. With
 * --gitlab-project, the same comment is a GitLab merge request's note (--pr is its IID,
 * GITLAB_TOKEN the token, --api-url or CI_API_V4_URL the API).
 */
export const prCommentCommand: Command = {
  name: "pr-comment",
  summary: "Create or update in place the pull-request comment for a key (e.g. plan/dev); GITHUB_TOKEN from env",
  usage:
    "pr-comment (--repository OWNER/NAME | --gitlab-project ID) --pr NUMBER (--plan-dir DIR [--record RUN_JSON] [--key KEY] | --record RUN_JSON [--key KEY] | --key KEY --body-file FILE [--body-file FILE ...]) [--api-url URL] [--dry-run] [--json]",
  options: {
    "plan-dir": { type: "string" },
    record: { type: "string" },
    repository: { type: "string" },
    "gitlab-project": { type: "string" },
    pr: { type: "string" },
    key: { type: "string" },
    "body-file": { type: "string", multiple: true },
    "api-url": { type: "string" },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const { api, pr, where } = target(values, io.env);
    const { key, parts } = await body(values, io.cwd);
    const dryRun = values["dry-run"] === true;
    const result = await upsertPullRequestComment({
      api,
      pr,
      key,
      parts,
      dryRun,
      onChange: (c) =>
        io.log(
          `${dryRun ? "would be " : ""}${VERBS[c.action]}: ${c.part ? `part ${c.part}/${parts.length}` : "surplus part"}${c.url ? ` ${c.url}` : ""}`,
        ),
    });
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else {
      const first = result.changes.find((c) => c.part === 1);
      io.out(`${dryRun ? "Dry run: " : ""}comment ${key} on ${where}: ${first?.url ?? "(new)"}`);
    }
    return 0;
  },
};

async function body(values: OptionValues, cwd: string): Promise<{ key: string; parts: string[] }> {
  const planDir = values["plan-dir"];
  const files = values["body-file"];
  const hasFiles = Array.isArray(files) && files.length > 0;
  const recordFile = optionalString(values, "record");
  if ((typeof planDir === "string" || recordFile) && hasFiles) {
    throw userError(
      "cli.bad-arguments",
      "pr-comment: pass --plan-dir and/or --record, or --body-file, not both",
      `Usage: ecs-pipeline ${prCommentCommand.usage}`,
    );
  }
  if (typeof planDir === "string" || recordFile) return planBody(values, cwd, planDir, recordFile);
  const key = requireString(values, "key", "pr-comment");
  if (!hasFiles) {
    throw userError(
      "cli.missing-option",
      "pr-comment: missing the body: pass --plan-dir, --record or --body-file",
      `Usage: ecs-pipeline ${prCommentCommand.usage}`,
    );
  }
  const bodies = await Promise.all(files.map((f) => readBody(path.resolve(cwd, String(f)))));
  return { key, parts: bodies.length === 1 ? splitMarkdown(bodies[0]!, { maxChars: partBudget(key) }) : bodies };
}

/** The plan's summary, with the run's check results above it when a run record is given. */
async function planBody(
  values: OptionValues,
  cwd: string,
  planDir: OptionValues[string],
  recordFile: string | undefined,
): Promise<{ key: string; parts: string[] }> {
  const record = recordFile ? await readRunRecord(path.resolve(cwd, recordFile)) : undefined;
  const dir = typeof planDir === "string" ? path.resolve(cwd, planDir) : undefined;
  const env = dir ? (await readPlanDir(dir)).meta.env : record?.env;
  const key = optionalString(values, "key") ?? (env ? `plan/${env}` : requireString(values, "key", "pr-comment"));
  if (!record) return { key, parts: await readSummaryParts(dir!) };
  const plan = dir
    ? await readBody(path.join(dir, PLAN_FILES.summary))
    : "_The plan did not run; see the checks above._\n";
  return { key, parts: splitMarkdown(`${renderChecks(record)}\n${plan}`, { maxChars: partBudget(key) }) };
}

/** GitHub's pull request (--repository) or GitLab's merge request (--gitlab-project), and its client. */
function target(values: OptionValues, env: NodeJS.ProcessEnv): { api: CommentsApi; pr: PullRequestRef; where: string } {
  const project = optionalString(values, "gitlab-project");
  const apiUrl = optionalString(values, "api-url");
  if (project === undefined) {
    const pr = pullRequestFrom(values);
    const api = gitHubClient({ token: tokenFromEnv(env), apiUrl: apiUrl ?? (env.GITHUB_API_URL || DEFAULT_API_URL) });
    return { api, pr, where: `${pr.owner}/${pr.repo}#${pr.number}` };
  }
  if (optionalString(values, "repository")) {
    throw userError(
      "cli.bad-arguments",
      "pr-comment: pass --repository (GitHub) or --gitlab-project (GitLab), not both",
    );
  }
  const base = apiUrl ?? env.CI_API_V4_URL;
  if (!base) {
    throw userError(
      "cli.missing-option",
      "pr-comment: --gitlab-project needs the GitLab API: pass --api-url or set CI_API_V4_URL",
      'In GitLab CI pass --api-url "$CI_API_V4_URL" (e.g. https://gitlab.com/api/v4).',
    );
  }
  const number = numberOf(values);
  const api = gitLabNotes({ token: gitLabTokenFromEnv(env), apiUrl: base, project });
  return { api, pr: { owner: "", repo: project, number }, where: `project ${project} !${number}` };
}

function numberOf(values: OptionValues): number {
  const raw = requireString(values, "pr", "pr-comment");
  const number = Number(raw);
  if (!Number.isInteger(number) || number < 1) {
    throw userError(
      "cli.bad-pr",
      `pr-comment: --pr "${raw}" is not a pull request number`,
      "In GitHub Actions pass ${{ github.event.pull_request.number }}; in GitLab CI, $CI_MERGE_REQUEST_IID.",
    );
  }
  return number;
}

function pullRequestFrom(values: OptionValues): PullRequestRef {
  const repository = requireString(values, "repository", "pr-comment");
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(repository);
  if (!match) {
    throw userError(
      "cli.bad-repository",
      `pr-comment: --repository "${repository}" is not OWNER/NAME`,
      "In GitHub Actions pass ${{ github.repository }}.",
    );
  }
  return { owner: match[1]!, repo: match[2]!, number: numberOf(values) };
}

async function readBody(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw userError(
      "cli.body-file",
      `Failed to read comment body ${file}: ${(err as Error).message}`,
      "Pass --body-file with a Markdown file that exists.",
    );
  }
}
