import { userError } from "../errors.js";

/** A container image reference that pins what runs: a tag, a digest, or both. */
export interface ImageRef {
  /** Everything before the tag/digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo */
  repository: string;
  tag?: string;
  digest?: string;
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._/-][a-z0-9]+)*)*$/;

/**
 * Parses `repo:tag`, `repo@sha256:...` or `repo:tag@sha256:...`. An image with neither tag
 * nor digest would deploy whatever `latest` is at pull time, so it is refused.
 */
export function parseImageRef(image: string): ImageRef {
  const bad = (why: string) =>
    userError(
      "ecs.bad-image",
      `Failed to parse image "${image}": ${why}`,
      "Pass a full reference with a tag or digest, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo:1.4.2 or ...@sha256:<64 hex>.",
    );
  const [nameAndTag = "", digest, ...extra] = image.trim().split("@");
  if (extra.length > 0) throw bad("more than one '@'");
  if (digest !== undefined && !DIGEST.test(digest)) throw bad(`"${digest}" is not a sha256 digest`);
  const lastSlash = nameAndTag.lastIndexOf("/");
  const colon = nameAndTag.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? nameAndTag : nameAndTag.slice(0, colon);
  const tag = colon === -1 ? undefined : nameAndTag.slice(colon + 1);
  if (!REPOSITORY.test(repository)) throw bad(`"${repository}" is not a valid repository name`);
  if (tag !== undefined && !TAG.test(tag)) throw bad(`"${tag}" is not a valid tag`);
  if (tag === undefined && digest === undefined) throw bad("it has neither a tag nor a digest");
  return { repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}
