/**
 * Glue for the composite functions (check, pullRequest, deploy, detectDrift): each is a list
 * of stages for the step runner (pipeline-runner.ts, the tested copy of src/pipeline/runner.ts),
 * run to the first failure, ending with one summary. A failed run throws with that summary,
 * so the CI job fails and its log ends with what ran, what failed and what was skipped.
 */
import { dag, type Directory, type Secret } from "@dagger.io/dagger";
import { coreToolbox, everyCall } from "./containers.js";
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

/** The base identity a composite receives and hands to each step that reaches AWS. */
export interface BaseIdentity {
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsWebIdentityToken?: Secret;
  /** GitHub Actions: the job's ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN, for a fresh OIDC token per step. */
  githubOidcRequestUrl?: Secret;
  githubOidcRequestToken?: Secret;
  /** CodeBuild/ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, read into keys before each step. */
  awsContainerCredentialsUri?: Secret;
}

/** What the AWS-reaching functions take (the same four Secrets everywhere). */
export interface AwsArgs {
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsWebIdentityToken?: Secret;
}

const CLI = ["node", "dist/cli/main.js"];

/**
 * Credentials for one step. On GitHub Actions a fresh OIDC token is requested right before
 * the step (the token lives minutes; builds before a deploy can take longer); elsewhere the
 * base identity passes through unchanged.
 */
export async function awsForStep(source: Directory, identity: BaseIdentity): Promise<AwsArgs> {
  const { githubOidcRequestUrl: url, githubOidcRequestToken: token, awsContainerCredentialsUri: uri } = identity;
  const base: AwsArgs = {
    awsAccessKeyId: identity.awsAccessKeyId,
    awsSecretAccessKey: identity.awsSecretAccessKey,
    awsSessionToken: identity.awsSessionToken,
    awsWebIdentityToken: identity.awsWebIdentityToken,
  };
  if (uri) return { ...base, ...(await containerCredentials(source, uri)) };
  if (!url && !token) return base;
  if (!url || !token) {
    throw new Error("Pass both --github-oidc-request-url and --github-oidc-request-token, or neither");
  }
  const jwt = await everyCall(coreToolbox(source))
    .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_URL", url)
    .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", token)
    .withExec([...CLI, "github-oidc-token", "--output", "/tmp/oidc-token"])
    .file("/tmp/oidc-token")
    .contents();
  return { ...base, awsWebIdentityToken: secret("github-oidc", jwt) };
}

function secret(kind: string, value: string): Secret {
  return dag.setSecret(`${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}`, value);
}

/** The build role's keys from the container-credentials endpoint (unverified reachability: see docs/ci.md). */
async function containerCredentials(source: Directory, uri: Secret): Promise<AwsArgs> {
  const json = await everyCall(coreToolbox(source))
    .withSecretVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", uri)
    .withExec([...CLI, "container-credentials", "--output", "/tmp/creds.json"])
    .file("/tmp/creds.json")
    .contents();
  const creds = JSON.parse(json) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  return {
    awsAccessKeyId: secret("aws-key-id", creds.accessKeyId),
    awsSecretAccessKey: secret("aws-secret-key", creds.secretAccessKey),
    awsSessionToken: creds.sessionToken ? secret("aws-session", creds.sessionToken) : undefined,
    awsWebIdentityToken: undefined,
  };
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
  const args = [...CLI, "pr-comment", "--repository", target.repository!, "--pr", String(target.prNumber)];
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
    .withExec([...CLI, "detect-drift", "--plan-dir", "/plan"])
    .stdout();
}
