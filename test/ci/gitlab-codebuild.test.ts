import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  repoRoot,
  codeBuildCommands,
  gitLabCommands,
  gitLabJobs,
  parseDaggerCall,
  readYaml,
  shellCommands,
  type Yaml,
} from "./ci-configs.js";

/** Where every run saves its results, and what the CIs' own views read from there. */
const RESULTS = ".pipeline/results";
const JUNIT = `${RESULTS}/test/junit.xml`;
const COBERTURA = `${RESULTS}/test/coverage/cobertura-coverage.xml`;

/** A job summary the core rendered from a recorded run (test/unit/report pins it). */
const recordedSummary = readFileSync(
  path.join(repoRoot, "test/fixtures/report/golden/pull-request-dev.summary.md"),
  "utf8",
);

/**
 * The installer lines a job may run besides `dagger call`: curl, then the repository's own
 * installer (scripts/install-dagger.sh: the pinned DAGGER_VERSION, checksum-verified; test/ci/install-dagger.test.ts).
 */
const INSTALL = ["apk add --no-cache curl", "BIN_DIR=/usr/local/bin sh scripts/install-dagger.sh"];

describe("GitLab CI", () => {
  const doc = readYaml(".gitlab-ci.yml");

  it("pins the Dagger CLI to 0.21.9 and the Docker images by version", () => {
    expect((doc.variables as Yaml).DAGGER_VERSION).toBe("0.21.9");
    const dagger = doc[".dagger"] as Yaml;
    expect(dagger.image).toMatch(/^docker:\d+\.\d+\.\d+-cli$/);
    expect(dagger.services).toEqual([expect.stringMatching(/^docker:\d+\.\d+\.\d+-dind$/)]);
  });

  it("runs in each job only the Dagger installer and `dagger call`", () => {
    const commands = gitLabCommands();
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      if (INSTALL.includes(c.text)) continue;
      const parsed = shellCommands(c.text).map(parseDaggerCall);
      expect(parsed.length, `${c.job}: ${c.text}`).toBe(1);
      expect(parsed[0], `${c.job}: "${c.text}" is neither the installer nor a dagger call`).toBeDefined();
    }
    for (const { id, job } of gitLabJobs()) {
      expect(job.before_script, id).toEqual(INSTALL);
      expect(
        (job.script as string[]).every((l) => l.startsWith("dagger call ")),
        id,
      ).toBe(true);
    }
  });

  it("gives an OIDC id_token for AWS to exactly the jobs that reach AWS", () => {
    for (const { id, job } of gitLabJobs()) {
      const reachesAws = (job.script as string[]).some((l) => l.includes("env:AWS_ID_TOKEN"));
      if (reachesAws) expect(job.id_tokens, id).toEqual({ AWS_ID_TOKEN: { aud: "sts.amazonaws.com" } });
      else expect(job.id_tokens, id).toBeUndefined();
    }
  });

  it("runs deploys and rollbacks in the environment's resource group, prod only when started by a person", () => {
    const jobs = new Map(gitLabJobs().map((j) => [j.id, j.job]));
    for (const env of ["dev", "staging", "prod"]) {
      for (const kind of ["deploy", "rollback"]) {
        const job = jobs.get(`${kind}-${env}`)!;
        expect(job, `${kind}-${env}`).toBeDefined();
        expect(job.resource_group).toBe(`deploy-${env}`);
        expect((job.environment as Yaml).name).toBe(env);
        expect((job.variables as Yaml).TARGET_ENV).toBe(env);
      }
    }
    expect((jobs.get("deploy-prod")!.rules as Yaml[])[0]!.when).toBe("manual");
    expect(
      [...jobs.values()].flatMap((j) =>
        (j.script as string[]).filter((l) =>
          ["deploy", "rollback"].includes(parseDaggerCall(shellCommands(l)[0]!)?.function ?? ""),
        ),
      ).length,
    ).toBe(6);
  });

  it("posts each merge request's check results and plan as one note, with a project token, never the job token", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const { job } = gitLabJobs().find((j) => j.id === `merge-request-${env}`)!;
      const call = parseDaggerCall(shellCommands((job.script as string[])[0]!)[0]!)!;
      expect(call.function).toBe("pull-request");
      expect(
        Object.fromEntries([...call.flags].filter(([k]) => k.startsWith("gitlab") || k === "merge-request-iid")),
      ).toEqual({
        "gitlab-project": "$CI_PROJECT_ID",
        "merge-request-iid": "$CI_MERGE_REQUEST_IID",
        "gitlab-token": "env:GITLAB_TOKEN",
        "gitlab-api-url": "$CI_API_V4_URL",
      });
      expect(JSON.stringify(job), env).not.toContain("CI_JOB_TOKEN");
    }
  });

  it("keeps every run's results whatever the outcome: JUnit and Cobertura for the merge request, the rest as artifacts", () => {
    const saving = gitLabJobs().filter(({ job }) =>
      (job.script as string[]).some((l) => l.includes(`results export --path ${RESULTS}`)),
    );
    expect(saving.map((j) => j.id).sort()).toEqual([
      "check",
      "deploy-dev",
      "deploy-prod",
      "deploy-staging",
      "merge-request-dev",
      "merge-request-prod",
      "merge-request-staging",
    ]);
    for (const { id, job } of saving) {
      expect(job.artifacts, id).toEqual({
        when: "always",
        expire_in: "30 days",
        paths: [`${RESULTS}/`],
        reports: { junit: JUNIT, coverage_report: { coverage_format: "cobertura", path: COBERTURA } },
      });
      expect((job.script as string[]).at(-1), id).toBe(`dagger call verdict --results ${RESULTS}`);
      // GitLab reads the job's coverage from its log: the summary verdict prints.
      const pattern = String(job.coverage).replace(/^\/|\/$/g, "");
      expect(new RegExp(pattern).exec(recordedSummary)?.[1], id).toBe("87.8");
    }
  });
});

describe("CodeBuild buildspec", () => {
  const doc = readYaml("buildspec.yml");

  it("pins the Dagger CLI to 0.21.9 and installs nothing else", () => {
    expect(doc.version).toBe(0.2);
    expect(((doc.env as Yaml).variables as Yaml).DAGGER_VERSION).toBe("0.21.9");
    expect(((doc.phases as Yaml).install as Yaml).commands).toEqual([INSTALL[1]]);
  });

  it("dispatches PIPELINE_JOB to exactly one `dagger call` per job and refuses anything else", () => {
    const build = codeBuildCommands().filter((c) => c.job === "build");
    expect(build).toHaveLength(1);
    const lines = build[0]!.text
      .trim()
      .split("\n")
      .map((l) => l.trim());
    expect(lines[0]).toBe('case "$PIPELINE_JOB" in');
    expect(lines.at(-1)).toBe("esac");
    expect(lines.at(-2)).toMatch(/^\*\) echo ".+" >&2; exit 2 ;;$/);
    const arms = lines.slice(1, -2).map((l) => /^([a-z-]+)\) (dagger call .+) ;;$/.exec(l));
    expect(arms.every(Boolean), lines.join("\n")).toBe(true);
    const jobs = arms.map((m) => [m![1], parseDaggerCall(shellCommands(m![2]!)[0]!)!.function]);
    expect(jobs).toEqual([
      ["check", "check"],
      ["pull-request", "pull-request"],
      ["deploy", "deploy"],
      ["detect-drift", "detect-drift"],
      ["status", "status"],
      ["rollback", "rollback"],
    ]);
  });

  it("reports the tests and coverage to report groups and keeps the results as artifacts, after every saving run's verdict", () => {
    expect(doc.reports).toEqual({
      tests: { "base-directory": `${RESULTS}/test`, files: ["junit.xml"], "file-format": "JUNITXML" },
      coverage: {
        "base-directory": `${RESULTS}/test/coverage`,
        files: ["cobertura-coverage.xml"],
        "file-format": "COBERTURAXML",
      },
    });
    expect(doc.artifacts).toEqual({ "base-directory": RESULTS, files: ["**/*"], name: "results" });
    const build = codeBuildCommands().find((c) => c.job === "build")!.text;
    for (const job of ["check", "pull-request", "deploy"]) {
      const arm = build.split("\n").find((l) => l.trim().startsWith(`${job})`))!;
      expect(arm, job).toContain(
        `--fail-on-failure=false results export --path ${RESULTS} && dagger call verdict --results ${RESULTS} ;;`,
      );
    }
  });
});
