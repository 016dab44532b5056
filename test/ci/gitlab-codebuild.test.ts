import { describe, expect, it } from "vitest";
import {
  codeBuildCommands,
  gitLabCommands,
  gitLabJobs,
  parseDaggerCall,
  readYaml,
  shellCommands,
  type Yaml,
} from "./ci-configs.js";

/** The installer lines a job may run besides `dagger call`: curl, then Dagger's script pinned to 0.21.9. */
const INSTALL = [
  "apk add --no-cache curl",
  "curl -fsSL https://dl.dagger.io/dagger/install.sh | BIN_DIR=/usr/local/bin DAGGER_VERSION=$DAGGER_VERSION sh",
];

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
      ["rollback", "rollback"],
    ]);
  });
});
