import { describe, expect, it } from "vitest";
import { deployStages, rawResults } from "../../dagger/src/composites.js";
import type { Stage } from "../../dagger/src/pipeline-runner.js";
import { loadEnvironment } from "../../src/config/load.js";
import {
  codeBuildCommands,
  gitHubJobs,
  gitLabJobs,
  parseDaggerCall,
  repoRoot,
  shellCommands,
  type DaggerCall,
  type Yaml,
} from "./ci-configs.js";

/**
 * Prod is promoted, never built: every CI path that deploys prod calls only `deploy` for prod
 * (behind the approval gate), and the deploy composite of an environment promoted from
 * another runs promote, plan, apply and deployService, and no build, scan or publish.
 */

const BUILDS = new Set(["build-all", "scan-all", "scan-image", "publish"]);
const MAIN_IS_PROD = "github.ref_name == 'main' && 'prod'";

function callsIn(text: string): DaggerCall[] {
  return shellCommands(text)
    .map((words) => (/^[a-z-]+\)$/.test(words[0] ?? "") ? words.slice(1) : words))
    .map((words) => parseDaggerCall(words))
    .filter((c): c is DaggerCall => c !== undefined);
}

/** The `dagger call`s of every CI path that deploys prod, with the value of --env each resolves to. */
function prodPaths(): { where: string; call: DaggerCall; env: string | undefined }[] {
  // GitHub: deploy.yml's one job maps main to prod, in its environment and in TARGET_ENV.
  const github = gitHubJobs()
    .filter(({ job }) => String(job.environment).includes(MAIN_IS_PROD))
    .flatMap(({ file, id, steps }) =>
      steps.flatMap((s) => {
        const target = String((s.env as Yaml | undefined)?.TARGET_ENV ?? "").includes(MAIN_IS_PROD) ? "prod" : "";
        return callsIn(String(s.run ?? "")).map((call) => ({
          where: `${file} ${id}`,
          call,
          env: call.flags.get("env")?.replace("$TARGET_ENV", target),
        }));
      }),
    );
  const gitlab = gitLabJobs()
    .filter(({ job }) => (job.environment as Yaml | undefined)?.name === "prod")
    .flatMap(({ id, job }) => {
      const target = String((job.variables as Yaml | undefined)?.TARGET_ENV ?? "");
      return (job.script as string[]).flatMap(callsIn).map((call) => ({
        where: `.gitlab-ci.yml ${id}`,
        call,
        env: call.flags.get("env")?.replace("$TARGET_ENV", target),
      }));
    });
  // CodeBuild: the prod project sets PIPELINE_JOB=deploy and TARGET_ENV=prod (docs/ci.md).
  const codebuild = codeBuildCommands()
    .filter((c) => c.job === "build")
    .flatMap((c) => c.text.split("\n").filter((l) => l.trim().startsWith("deploy)")))
    .flatMap(callsIn)
    .map((call) => ({
      where: "buildspec.yml deploy",
      call,
      env: call.flags.get("env")?.replace("$TARGET_ENV", "prod"),
    }));
  return [...github, ...gitlab, ...codebuild];
}

function names(stages: Stage[]): string[] {
  return stages.flatMap((s) => ("parallel" in s ? s.parallel.map((p) => p.name) : [s.name]));
}

describe("the prod path of every CI", () => {
  const paths = prodPaths();

  it("exists in GitHub Actions, GitLab CI and CodeBuild", () => {
    const where = paths.map((p) => p.where.split(" ")[0]);
    for (const file of [".github/workflows/deploy.yml", ".gitlab-ci.yml", "buildspec.yml"]) {
      expect(where, file).toContain(file);
    }
  });

  it("calls deploy for prod, confirmed, and never a build, scan or publish", () => {
    for (const { where, call, env } of paths.filter(
      (p) => p.call.function !== "verdict" && p.call.function !== "job-summary",
    )) {
      expect(BUILDS.has(call.function), `${where}: ${call.function}`).toBe(false);
      if (call.function !== "deploy") continue;
      expect(env, where).toBe("prod");
      expect(call.flags.get("confirm")?.replace("$TARGET_ENV", "prod"), `${where}: --confirm`).toBe("prod");
    }
    expect(paths.filter((p) => p.call.function === "deploy").length).toBe(3);
  });

  it("stays behind the approval gate: prod's GitHub Environment, a person starting GitLab's job", () => {
    const github = gitHubJobs().find((j) => j.file.endsWith("deploy.yml") && j.id === "deploy")!;
    expect(github.job.environment).toBe(`\${{ ${MAIN_IS_PROD} || github.ref_name }}`);
    const gitlab = gitLabJobs().find((j) => j.id === "deploy-prod")!;
    expect((gitlab.job.rules as Yaml[])[0]).toMatchObject({ when: "manual" });
  });
});

describe("deploy of prod", () => {
  it("promotes from staging: promote, plan, apply, deployService, and nothing that builds", async () => {
    const prod = await loadEnvironment("prod", { root: repoRoot });
    expect(prod.promotedFrom).toBe("staging");
    const stages = deployStages(
      {} as Parameters<typeof deployStages>[0],
      {
        env: prod.name,
        commitSha: "0".repeat(40),
        threshold: "CRITICAL",
        dryRun: false,
        identity: {},
        promotedFrom: prod.promotedFrom,
      },
      rawResults(),
    );
    expect(names(stages)).toEqual(["promote", "plan", "apply", "deployService"]);
    expect(names(stages).filter((n) => ["buildAll", "scanImage", "publish"].includes(n))).toEqual([]);
  });

  it("while staging still builds", async () => {
    const staging = await loadEnvironment("staging", { root: repoRoot });
    expect(staging.promotedFrom).toBeUndefined();
  });
});
