/**
 * Glue for the composite functions (check, pullRequest, deploy, detectDrift): each is a list
 * of stages for the step runner (pipeline-runner.ts), run to the first failure, ending with
 * one summary. A failed run throws with that summary, so the CI job fails and its log ends
 * with what ran, what failed and what was skipped.
 */
import { type Directory, type Secret } from "@dagger.io/dagger";
import { CORE_CLI, coreToolbox, everyCall } from "./containers.js";
import { formatSummary, runSteps, type PipelineEvent, type Stage, type Step } from "./pipeline-runner.js";

/** Lines of a failed command's stderr kept in the summary (the full output is in the step's log). */
const STDERR_TAIL_LINES = 20;

interface ExecFailure {
  exitCode: number;
  stderr: string;
  message: string;
}

function isExecFailure(err: unknown): err is ExecFailure {
  return err instanceof Error && typeof (err as Partial<ExecFailure>).exitCode === "number";
}

/**
 * A step whose failure message carries the end of the failed command's stderr (where the core
 * CLI writes `Error: ...` and `Hint: ...`), not only Dagger's "exit code 1".
 */
export function step(name: string, run: () => Promise<unknown>): Step {
  return {
    name,
    run: async () => {
      try {
        return await run();
      } catch (err) {
        if (!isExecFailure(err)) throw err;
        const tail = err.stderr.trimEnd().split("\n").slice(-STDERR_TAIL_LINES).join("\n");
        throw new Error(`exit code ${err.exitCode}${tail ? `\n${tail}` : ""}`, { cause: err });
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

/** Runs the stages; returns the summary when every step passed, throws it otherwise. */
export async function runComposite(pipeline: string, stages: Stage[]): Promise<string> {
  const result = await runSteps({ pipeline, stages, onEvent: progress });
  const summary = formatSummary(result);
  if (!result.ok) throw new Error(summary);
  return summary;
}

/** Where and as whom the plan comment is posted; absent outside GitHub. */
export interface CommentTarget {
  repository?: string;
  prNumber?: number;
  githubToken?: Secret;
  /** REST base URL (GitHub Enterprise); default https://api.github.com. */
  githubApiUrl?: string;
}

/** True when the comment should be posted; refuses half a target instead of silently skipping. */
export function wantsComment(target: CommentTarget): boolean {
  const given = [target.repository, target.prNumber, target.githubToken].filter((v) => v !== undefined && v !== "");
  if (given.length === 0) return false;
  if (given.length < 3) {
    throw new Error("To post the plan comment pass --repository, --pr-number and --github-token together");
  }
  return true;
}

/** Posts (or updates in place) the plan directory's summary as the pull request's comment. */
export async function postPlanComment(source: Directory, planDir: Directory, target: CommentTarget): Promise<string> {
  const args = [...CORE_CLI, "pr-comment", "--repository", target.repository!, "--pr", String(target.prNumber)];
  args.push("--plan-dir", "/plan");
  if (target.githubApiUrl) args.push("--api-url", target.githubApiUrl);
  return everyCall(coreToolbox(source))
    .withMountedDirectory("/plan", planDir)
    .withSecretVariable("GITHUB_TOKEN", target.githubToken!)
    .withExec(args)
    .stdout();
}

/** Decides drift from a plan directory in the core: exits non-zero (so the step fails) on drift. */
export async function decideDrift(source: Directory, planDir: Directory): Promise<string> {
  return everyCall(coreToolbox(source))
    .withMountedDirectory("/plan", planDir)
    .withExec([...CORE_CLI, "detect-drift", "--plan-dir", "/plan"])
    .stdout();
}
