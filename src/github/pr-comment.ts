import { userError } from "../errors.js";
import type { CommentsApi, IssueComment, PullRequestRef } from "./client.js";

/**
 * One pull-request comment per key (say `plan/dev`), updated in place on every push rather
 * than a new comment each time. A body over GitHub's limit arrives already split into
 * parts (by src/terraform's splitter); each part is its own comment, and parts left over
 * from a longer earlier body are deleted.
 */

/** GitHub refuses a comment body longer than this many characters. */
export const COMMENT_MAX_CHARS = 65_536;

const MARKER_PREFIX = "<!-- ecs-pipeline:comment";
const KEY_PATTERN = /^[A-Za-z0-9._/-]{1,100}$/;

/** First line of every comment we own; an HTML comment, so the reader never sees it. */
export function markerLine(key: string, part: number, total: number): string {
  return `${MARKER_PREFIX} key="${key}" part="${part}/${total}" -->`;
}

function wrap(key: string, part: number, total: number, text: string): string {
  const footer = total > 1 ? `\n\n<sub>Part ${part} of ${total}</sub>` : "";
  return `${markerLine(key, part, total)}\n${text}${footer}`;
}

/** How many characters one part may have so that, with our marker and footer, it fits. */
export function partBudget(key: string): number {
  return COMMENT_MAX_CHARS - wrap(key, 999, 999, "").length;
}

/**
 * Our comments for this key, in thread order: written by the token's own user (`me`) and
 * starting with our marker. Anyone can paste the marker into a comment; only the author
 * check makes it ours. A quoted marker (starting "> ") is not ours either.
 */
export function findOwnComments(comments: IssueComment[], key: string, me: string): IssueComment[] {
  const prefix = `${MARKER_PREFIX} key="${key}" `;
  return comments.filter((c) => c.author === me && c.body.startsWith(prefix)).sort((a, b) => a.id - b.id);
}

export type CommentAction = "create" | "update" | "unchanged" | "delete";

export interface CommentChange {
  action: CommentAction;
  /** 1-based part number; absent for a deleted surplus comment. */
  part?: number;
  /** Comment id; absent for a comment a dry run would create. */
  id?: number;
  url?: string;
}

export interface UpsertCommentOptions {
  api: CommentsApi;
  pr: PullRequestRef;
  /** What the comment is about, unique per pull request: `plan/dev`. */
  key: string;
  /** The body, already split to at most `partBudget(key)` characters each. */
  parts: string[];
  /** List and decide, but change nothing. */
  dryRun?: boolean;
  /** The login whose comments are ours; default: the token's own user (GET /user). */
  author?: string;
  onChange?: (change: CommentChange) => void;
}

export interface UpsertCommentResult {
  dryRun: boolean;
  changes: CommentChange[];
}

/** Finds our comment(s) for the key, updates them in place, creates missing parts, deletes surplus ones. */
export async function upsertPullRequestComment(options: UpsertCommentOptions): Promise<UpsertCommentResult> {
  const { api, pr, key, parts } = options;
  validate(key, parts);
  const dryRun = options.dryRun ?? false;
  const total = parts.length;
  const me = options.author ?? (await api.whoAmI());
  const existing = findOwnComments(await api.listComments(pr), key, me);
  const changes: CommentChange[] = [];
  const record = (change: CommentChange) => {
    changes.push(change);
    options.onChange?.(change);
  };

  for (const [index, text] of parts.entries()) {
    const part = index + 1;
    const body = wrap(key, part, total, text);
    const current = existing[index];
    if (current && current.body === body) {
      record({ action: "unchanged", part, id: current.id, url: current.htmlUrl });
    } else if (current) {
      const updated = dryRun ? current : await api.updateComment(pr, current.id, body);
      record({ action: "update", part, id: updated.id, url: updated.htmlUrl });
    } else if (dryRun) {
      record({ action: "create", part });
    } else {
      const created = await api.createComment(pr, body);
      record({ action: "create", part, id: created.id, url: created.htmlUrl });
    }
  }
  for (const surplus of existing.slice(total)) {
    if (!dryRun) await api.deleteComment(pr, surplus.id);
    record({ action: "delete", id: surplus.id, url: surplus.htmlUrl });
  }
  return { dryRun, changes };
}

function validate(key: string, parts: string[]): void {
  if (!KEY_PATTERN.test(key)) {
    throw userError(
      "github.bad-comment-key",
      `Failed to post the pull-request comment: key "${key}" is not 1-100 letters, digits, or . _ / -`,
    );
  }
  if (parts.length === 0) {
    throw userError(
      "github.empty-comment",
      "Failed to post the pull-request comment: the body has no parts",
      "Pass a plan directory with summary parts, or a non-empty --body-file.",
    );
  }
  const budget = partBudget(key);
  const tooLong = parts.findIndex((p) => p.length > budget);
  if (tooLong >= 0) {
    throw userError(
      "github.comment-too-long",
      `Failed to post the pull-request comment: part ${tooLong + 1} has ${parts[tooLong]!.length} characters, over the ${budget} that fit in one GitHub comment with our marker`,
      `Split the body into parts of at most partBudget("${key}") = ${budget} characters.`,
    );
  }
}
