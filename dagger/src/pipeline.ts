/**
 * Glue for the composite functions (check, pullRequest, deploy, detectDrift): each is a list
 * of stages for the step runner (pipeline-runner.ts), run to the first failure, ending with
 * one summary. A failed run throws with that summary, so the CI job fails and its log ends
 * with what ran, what failed and what was skipped.
 */
import { type Directory, type Secret } from "@dagger.io/dagger";
import { CORE_CLI, coreToolbox, everyCall } from "./containers.js";
import {
  failureExcerpt,
  formatSummary,
  runSteps,
  type PipelineEvent,
  type PipelineResult,
  type Stage,
  type Step,
  type StepResult,
} from "./pipeline-runner.js";
import { resultsDirectory, type RawResults, type RunMeta, type RunOutcome } from "./results.js";

interface ExecFailure {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Dagger's ExecError, told apart by its fields (the SDK's class is not exported for instanceof). */
function isExecFailure(err: unknown): err is ExecFailure & Error {
  const e = err as Partial<ExecFailure>;
  return err instanceof Error && typeof e.exitCode === "number" && typeof e.stderr === "string";
}

/**
 * A step whose failure message carries what the failed command said on both streams, cut to
 * the decisive lines (failureExcerpt): the core CLI's `Error:`/`Hint:` on stderr, and the
 * verdicts validateTerraform and detectDrift print on stdout, not only Dagger's "exit code 1".
 */
export function step(name: string, run: () => Promise<unknown>): Step {
  return {
    name,
    run: async () => {
      try {
        return await run();
      } catch (err) {
        if (!isExecFailure(err)) throw err;
        const excerpt = failureExcerpt({ stdout: err.stdout ?? "", stderr: err.stderr });
        throw new Error([`exit code ${err.exitCode}`, ...excerpt].join("\n"), { cause: err });
      }
    },
  };
}

function progress(event: PipelineEvent): void {
  if (event.type === "step-started") console.error(`==> ${event.step}`);
  else if (event.result.status !== "skipped") {
    console.error(`<== ${event.result.name}: ${event.result.status}`);
  }
}

export interface CompositeRun {
  meta: RunMeta;
  stages: Stage[];
  source: Directory;
  raw: RawResults;
  /** Throw with the report when a step failed (default). false: return the run, results and all. */
  failOnFailure: boolean;
  /** Where the steps are recorded as they finish; give one to a step that reports on the run so far. */
  recorder?: StepRecorder;
  /** Appended to the text report (pullRequest: the plan summary). */
  epilogue?: (raw: RawResults) => Promise<string | undefined>;
}

/** The steps finished so far, for a step that reports on the run while it is still going (the PR comment). */
export class StepRecorder {
  private readonly steps: StepResult[] = [];
  private readonly started = Date.now();

  record(event: PipelineEvent): void {
    if (event.type === "step-finished") this.steps.push(event.result);
  }

  result(pipeline: string): PipelineResult {
    const failed = this.steps.find((s) => s.status === "failed");
    return {
      pipeline,
      ok: !failed,
      ...(failed ? { failedStep: failed.name } : {}),
      durationMs: Date.now() - this.started,
      steps: [...this.steps],
    };
  }
}

/**
 * Runs the stages and returns the run: the text report (one summary), whether it passed, and
 * the results directory the core renders from every step's raw outputs. A failed run throws
 * with the report unless failOnFailure is false, so CI can still export and upload results.
 */
export async function runComposite(run: CompositeRun): Promise<RunOutcome> {
  const result = await runSteps({
    pipeline: run.meta.pipeline,
    stages: run.stages,
    onEvent: (event) => {
      progress(event);
      run.recorder?.record(event);
    },
  });
  const epilogue = result.ok || !run.failOnFailure ? await run.epilogue?.(run.raw) : undefined;
  const report = [formatSummary(result), epilogue].filter(Boolean).join("\n\n");
  if (!result.ok && run.failOnFailure) throw new Error(report);
  return { report, passed: result.ok, results: resultsDirectory(run.source, run.raw, run.meta, result) };
}

/** Where and as whom the plan comment is posted: a GitHub pull request or a GitLab merge request; absent on a laptop. */
export interface CommentTarget {
  repository?: string;
  prNumber?: number;
  githubToken?: Secret;
  /** REST base URL (GitHub Enterprise); default https://api.github.com. */
  githubApiUrl?: string;
  gitlabProject?: string;
  mergeRequestIid?: number;
  gitlabToken?: Secret;
  /** GitLab REST base, e.g. https://gitlab.com/api/v4. */
  gitlabApiUrl?: string;
}

const given = (values: unknown[]) => values.filter((v) => v !== undefined && v !== "").length;

/** True when the comment should be posted; refuses half a target (or two) instead of silently skipping. */
export function wantsComment(target: CommentTarget): boolean {
  const github = given([target.repository, target.prNumber, target.githubToken]);
  const gitlab = given([target.gitlabProject, target.mergeRequestIid, target.gitlabToken, target.gitlabApiUrl]);
  if (github > 0 && gitlab > 0) {
    throw new Error("Post the comment to GitHub (--repository ...) or to GitLab (--gitlab-project ...), not both");
  }
  if (github > 0 && github < 3) {
    throw new Error("To post the plan comment pass --repository, --pr-number and --github-token together");
  }
  if (gitlab > 0 && gitlab < 4) {
    throw new Error(
      "To post the merge-request note pass --gitlab-project, --merge-request-iid, --gitlab-token and --gitlab-api-url together",
    );
  }
  return github + gitlab > 0;
}

/**
 * Posts (or updates in place) the pull request's comment (or the merge request's note): the run's check results
 * (run.json of the results so far) above the plan directory's summary, or alone when the
 * plan did not run.
 */
export async function postPlanComment(
  source: Directory,
  from: { plan?: Directory; results: Directory },
  target: CommentTarget,
): Promise<string> {
  const gitlab = target.gitlabProject !== undefined && target.gitlabProject !== "";
  const args = [...CORE_CLI, "pr-comment", "--record", "/results/run.json"];
  if (gitlab) args.push("--gitlab-project", target.gitlabProject!, "--pr", String(target.mergeRequestIid));
  else args.push("--repository", target.repository!, "--pr", String(target.prNumber));
  const apiUrl = gitlab ? target.gitlabApiUrl : target.githubApiUrl;
  if (apiUrl) args.push("--api-url", apiUrl);
  let container = everyCall(coreToolbox(source)).withMountedDirectory("/results", from.results);
  if (from.plan) {
    container = container.withMountedDirectory("/plan", from.plan);
    args.push("--plan-dir", "/plan");
  }
  const [name, token] = gitlab
    ? (["GITLAB_TOKEN", target.gitlabToken!] as const)
    : (["GITHUB_TOKEN", target.githubToken!] as const);
  return container.withSecretVariable(name, token).withExec(args).stdout();
}

/** Decides drift from a plan directory in the core: exits non-zero (so the step fails) on drift. */
export async function decideDrift(source: Directory, planDir: Directory): Promise<string> {
  return everyCall(coreToolbox(source))
    .withMountedDirectory("/plan", planDir)
    .withExec([...CORE_CLI, "detect-drift", "--plan-dir", "/plan"])
    .stdout();
}
