import { userError } from "../errors.js";

export interface TagOptions {
  /** The git commit the images were built from: a full 40-character SHA. */
  commitSha: string;
  /** Environment name, e.g. dev. */
  env: string;
}

// OCI distribution spec: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/**
 * The tags an image is pushed with: the commit SHA (what built it) and
 * `<env>-<sha12>` (where it was published for). Both are immutable-friendly: neither moves
 * to another image, so ECR tag immutability can stay on. There is never a `latest`.
 */
export function computeTags(options: TagOptions): string[] {
  const sha = options.commitSha.trim().toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(sha)) {
    throw userError(
      "images.bad-commit",
      `Failed to compute image tags: commit "${options.commitSha}" is not a full 40-character git SHA`,
      "Pass the output of `git rev-parse HEAD` (short SHAs can collide and branches move).",
    );
  }
  return [sha, envTag(options.env, sha)];
}

/** The environment tag for an image built from `sha`, also used when promoting. */
export function envTag(env: string, sha: string): string {
  const tag = `${env}-${sha.slice(0, 12)}`;
  if (!TAG.test(tag) || !/^[a-z][a-z0-9-]*$/.test(env)) {
    throw userError("images.bad-tag", `Failed to compute image tags: "${tag}" is not a valid image tag`);
  }
  return tag;
}

/** Refuses tags a person asked for that would break the rules above. */
export function validateExtraTag(tag: string): string {
  if (!TAG.test(tag)) {
    throw userError("images.bad-tag", `Failed to use tag "${tag}": expected [A-Za-z0-9_][A-Za-z0-9._-]{0,127}`);
  }
  if (tag === "latest") {
    throw userError(
      "images.latest-tag",
      'Failed to use tag "latest": it moves, so no deploy could say which image it meant',
      "Deploy by commit SHA or digest; the environment tag says what was published where.",
    );
  }
  return tag;
}
