import { describe, expect, it } from "vitest";
import { parseImageRef } from "../../../src/ecs/image-ref.js";

const ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo";
const DIGEST = `sha256:${"a".repeat(64)}`;

describe("image references", () => {
  it("accepts a tag, a digest, or both, and splits them", () => {
    expect(parseImageRef(`${ECR}:1.4.2`)).toEqual({ repository: ECR, tag: "1.4.2" });
    expect(parseImageRef(`${ECR}@${DIGEST}`)).toEqual({ repository: ECR, digest: DIGEST });
    expect(parseImageRef(`${ECR}:1.4.2@${DIGEST}`)).toEqual({ repository: ECR, tag: "1.4.2", digest: DIGEST });
  });

  it("does not mistake a registry port for a tag", () => {
    expect(parseImageRef("127.0.0.1:5000/platform/mcpo:v1")).toEqual({
      repository: "127.0.0.1:5000/platform/mcpo",
      tag: "v1",
    });
    expect(() => parseImageRef("127.0.0.1:5000/platform/mcpo")).toThrow(/neither a tag nor a digest/);
  });

  it("refuses an image without tag or digest, a short digest and an invalid tag", () => {
    expect(() => parseImageRef(ECR)).toThrow(/neither a tag nor a digest/);
    expect(() => parseImageRef(`${ECR}@sha256:abc`)).toThrow(/not a sha256 digest/);
    expect(() => parseImageRef(`${ECR}:-bad`)).toThrow(/not a valid tag/);
    expect(() => parseImageRef("Platform/MCPO:v1")).toThrow(/not a valid repository name/);
  });
});
