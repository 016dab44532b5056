import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../../../src/config/load.js";
import { classifyBuilds } from "../../../src/images/build-record.js";
import { buildMatrix } from "../../../src/images/matrix.js";
import { computeTags, validateExtraTag } from "../../../src/images/tags.js";

const root = path.resolve(import.meta.dirname, "../../..");
const sha = "0123456789abcdef0123456789abcdef01234567";

describe("image tags", () => {
  it("are the commit SHA and an environment tag, never latest", () => {
    expect(computeTags({ commitSha: sha, env: "dev" })).toEqual([sha, "dev-0123456789ab"]);
  });

  it("lower-case an upper-case SHA and refuse a short one", () => {
    expect(computeTags({ commitSha: sha.toUpperCase(), env: "prod" })[0]).toBe(sha);
    expect(() => computeTags({ commitSha: "0123456", env: "dev" })).toThrow(/not a full 40-character git SHA/);
  });

  it("refuse latest and malformed extra tags", () => {
    expect(() => validateExtraTag("latest")).toThrow(/it moves/);
    expect(() => validateExtraTag("-bad")).toThrow(/Failed to use tag "-bad"/);
    expect(validateExtraTag("release-1.2")).toBe("release-1.2");
  });
});

describe("the build matrix", () => {
  it("lists every service with its context, built by default only for the platform its tasks run on", async () => {
    const env = await loadEnvironment("dev", { root });
    const matrix = buildMatrix(env, { services: [], platforms: [] });
    expect(matrix.map((t) => t.service)).toEqual(["open-webui", "bedrock-gateway", "mcpo"]);
    expect(matrix[2]).toEqual({
      service: "mcpo",
      ecrRepository: "platform/mcpo",
      context: { kind: "local", path: "services/mcpo" },
      dockerfile: "Dockerfile",
      platforms: ["linux/amd64"],
    });
    expect(matrix[1]?.context).toMatchObject({
      kind: "git",
      subdir: "src",
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
  });

  it("follows an ARM64 runtime platform, and lets the config list platforms explicitly", async () => {
    const env = await loadEnvironment("dev", { root });
    const [a, b] = env.services;
    const arm = { ...env, services: [{ ...a!, runtimePlatform: { cpuArchitecture: "ARM64" as const } }, b!] };
    b!.build.platforms = ["linux/amd64", "linux/arm64"];
    const matrix = buildMatrix(arm, { services: [], platforms: [] });
    expect(matrix.map((t) => t.platforms)).toEqual([["linux/arm64"], ["linux/amd64", "linux/arm64"]]);
  });

  it("narrows to chosen services and platforms, and refuses unknown ones before building", async () => {
    const env = await loadEnvironment("dev", { root });
    const matrix = buildMatrix(env, { services: ["mcpo", "mcpo"], platforms: ["linux/arm64"] });
    expect(matrix.map((t) => [t.service, t.platforms])).toEqual([["mcpo", ["linux/arm64"]]]);
    expect(() => buildMatrix(env, { services: ["nope"], platforms: [] })).toThrow(/Unknown service "nope"/);
    expect(() => buildMatrix(env, { services: [], platforms: ["linux/s390x"] })).toThrow(/platform "linux\/s390x"/);
  });
});

describe("the build record", () => {
  const inputs = (service: string, contextDigest: string) => ({
    service,
    contextDigest,
    dockerfile: "Dockerfile",
    platforms: ["linux/arm64", "linux/amd64"],
  });

  it("reports a service as cached only when its inputs match the last build", () => {
    const first = classifyBuilds({}, [inputs("a", "d1"), inputs("b", "d2")]);
    expect(first).toMatchObject({ rebuilt: ["a", "b"], cached: [] });
    const second = classifyBuilds(first.record, [inputs("a", "d1"), inputs("b", "d3")]);
    expect(second).toMatchObject({ rebuilt: ["b"], cached: ["a"] });
  });

  it("treats the platform order as irrelevant but a platform change as a rebuild", () => {
    const first = classifyBuilds({}, [inputs("a", "d1")]);
    expect(
      classifyBuilds(first.record, [{ ...inputs("a", "d1"), platforms: ["linux/amd64", "linux/arm64"] }]).cached,
    ).toEqual(["a"]);
    expect(classifyBuilds(first.record, [{ ...inputs("a", "d1"), platforms: ["linux/amd64"] }]).rebuilt).toEqual(["a"]);
  });
});
