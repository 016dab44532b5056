import { describe, expect, it } from "vitest";
import {
  registeredFunction as fn,
  type RegisteredArgument,
  type RegisteredFunction,
  SOURCE_IGNORE,
} from "../support/introspect.js";

/** Name -> [type, optional, default] of each argument, in declaration order (an argument with a default is not "optional": the default fills it). */
function shape(f: RegisteredFunction): [string, string, boolean, unknown][] {
  return Object.entries(f.args).map(([name, a]: [string, RegisteredArgument]) => [
    name,
    a.type,
    a.optional,
    a.defaultValue,
  ]);
}

describe("the composite Dagger functions as the engine would register them", () => {
  it("registers check over the repository, never cached so its tests really run", async () => {
    const check = await fn("check");
    expect(check).toMatchObject({ cache: "never", returns: "PipelineRun" });
    expect(check.description).toMatch(/^The main job a newcomer runs first: lint, test and validateTerraform/);
    expect(shape(check)).toEqual([
      ["source", "Directory", false, undefined],
      ["failOnFailure", "boolean", false, true],
    ]);
    expect(check.args.source).toMatchObject({ defaultPath: "/", ignore: SOURCE_IGNORE });
  });

  it("registers pullRequest with the environment, the optional comment target (the AWS identity is the constructor's)", async () => {
    const pr = await fn("pullRequest");
    expect(pr).toMatchObject({ cache: "never", returns: "PipelineRun" });
    expect(shape(pr)).toEqual([
      ["env", "string", false, undefined],
      ["source", "Directory", false, undefined],
      ["repository", "string", true, undefined],
      ["prNumber", "integer", true, undefined],
      ["githubToken", "Secret", true, undefined],
      ["githubApiUrl", "string", true, undefined],
      ["gitlabProject", "string", true, undefined],
      ["mergeRequestIid", "integer", true, undefined],
      ["gitlabToken", "Secret", true, undefined],
      ["gitlabApiUrl", "string", true, undefined],
      ["failOnFailure", "boolean", false, true],
    ]);
    expect(pr.args.source).toMatchObject({ defaultPath: "/", ignore: SOURCE_IGNORE });
  });

  it("registers deploy with the commit, the approval, the scan gate, a dry run, the commit a promoted environment takes (the AWS identity is the constructor's)", async () => {
    const deploy = await fn("deploy");
    expect(deploy).toMatchObject({ cache: "never", returns: "PipelineRun" });
    expect(deploy.description).toMatch(
      /buildAll -> scanImage -> publish -> plan -> apply ->\s+waitServices .*-> deployService/s,
    );
    expect(shape(deploy)).toEqual([
      ["env", "string", false, undefined],
      ["commitSha", "string", false, undefined],
      ["source", "Directory", false, undefined],
      ["confirm", "string", true, undefined],
      ["threshold", "string", false, "CRITICAL"],
      ["ignoreFile", "File", true, undefined],
      ["dbRepository", "string", true, undefined],
      ["dryRun", "boolean", false, false],
      ["services", "[string]", true, undefined],
      ["platforms", "[string]", true, undefined],
      ["failOnFailure", "boolean", false, true],
      ["promoteCommit", "string", true, undefined],
    ]);
    expect(deploy.description).toMatch(/never builds: promote/);
  });

  it("registers detectDrift with the environment (the AWS identity is the constructor's)", async () => {
    const drift = await fn("detectDrift");
    expect(drift).toMatchObject({ cache: "never", returns: "PipelineRun" });
    expect(shape(drift)).toEqual([
      ["env", "string", false, undefined],
      ["source", "Directory", false, undefined],
      ["failOnFailure", "boolean", false, true],
    ]);
  });

  it("takes credentials only as Secrets in every composite", async () => {
    for (const name of ["pullRequest", "deploy", "detectDrift"]) {
      const f = await fn(name);
      for (const [arg, a] of Object.entries(f.args)) {
        if (/token|key|secret|credentials/i.test(arg)) expect(a.type, `${name}(${arg})`).toBe("Secret");
      }
    }
  });
});
