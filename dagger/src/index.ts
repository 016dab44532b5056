// The Dagger module: entry points only, each a few lines. Containers live in containers.ts.
import {
  argument,
  check,
  func,
  object,
  type Container,
  type Directory,
  type File,
  type Secret,
  type Service,
} from "@dagger.io/dagger";
import { lintToolbox, SOURCE_IGNORE } from "./containers.js";
import { endpointOnly, isEmulated, startEmulator } from "./emulator.js";
import type { BaseIdentity } from "./aws.js";
import { buildAllImages, buildPlan, publishImages, scanBuilt, scanContainer } from "./images.js";
import { deployMode, promoteImages } from "./promotion.js";
import { deployServiceArgs, OutputFormat, rollbackArgs, runEcsVerb, statusArgs } from "./deploy.js";
import { applyPlan, planDirectory, validateReports } from "./terraform.js";
import {
  checkSteps,
  deployStages,
  detectDriftStages,
  pullRequestStages,
  rawResults,
  type CheckFunctions,
} from "./composites.js";
import { runComposite, StepRecorder } from "./pipeline.js";
import { resultsDirectory, runTests } from "./results.js";
import { PipelineRun, pipelineRun } from "./run.js";

/**
 * A CI/CD pipeline for an ECS Fargate platform: lint, test, Terraform, images, deploys and
 * rollbacks, the same on a laptop (`dagger call ...`) and in any CI.
 *
 * Every function runs the project's core CLI (src/) in pinned containers; the environment
 * (dev, staging, prod, local) is always a function argument, read from environments/<env>.json.
 */
@object()
export class EcsPipeline {
  // The base identity, kept as the object's state (not exposed as fields): each function that
  // reaches AWS hands it to withAwsIdentity (aws.ts), which assumes the environment's role.
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsWebIdentityToken?: Secret;
  githubOidcRequestUrl?: Secret;
  githubOidcRequestToken?: Secret;
  awsContainerCredentialsUri?: Secret;
  awsEndpoint?: Service;

  /**
   * The AWS identity every function that reaches AWS uses, given once before the function:
   * `dagger call --aws-web-identity-token env:AWS_ID_TOKEN deploy --env dev ...`. All optional:
   * lint, test and the other functions that never reach AWS need none, and the core says which
   * are missing when a function does.
   */
  constructor(
    /** AWS access key id of the base identity, with which each AWS step assumes the environment's role. */
    awsAccessKeyId?: Secret,
    /** AWS secret access key, with awsAccessKeyId. */
    awsSecretAccessKey?: Secret,
    /** AWS session token, for temporary keys. */
    awsSessionToken?: Secret,
    /** A CI's OIDC token itself (GitLab id_token), exchanged for the environment's role. */
    awsWebIdentityToken?: Secret,
    /** GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL; a fresh OIDC token is requested each time a role is assumed. */
    githubOidcRequestUrl?: Secret,
    /** GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_TOKEN, with githubOidcRequestUrl. */
    githubOidcRequestToken?: Secret,
    /** CodeBuild: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, read into keys right before each AWS step. */
    awsContainerCredentialsUri?: Secret,
    /**
     * An emulator environment's (local) AWS: your own emulator, e.g. tcp://localhost:5000. Without it,
     * local starts the project's emulator (emulator/server.py) for the call. Refused for real accounts.
     */
    awsEndpoint?: Service,
  ) {
    this.awsAccessKeyId = awsAccessKeyId;
    this.awsSecretAccessKey = awsSecretAccessKey;
    this.awsSessionToken = awsSessionToken;
    this.awsWebIdentityToken = awsWebIdentityToken;
    this.githubOidcRequestUrl = githubOidcRequestUrl;
    this.githubOidcRequestToken = githubOidcRequestToken;
    this.awsContainerCredentialsUri = awsContainerCredentialsUri;
    this.awsEndpoint = awsEndpoint;
  }

  /**
   * The identity for a call on `env`, with its emulator when the environment is emulated
   * (local): the caller's --aws-endpoint, or the project's emulator started for the call.
   * A real environment never gets one; the core refuses --aws-endpoint for it.
   */
  private async aws(source: Directory, env: string): Promise<BaseIdentity> {
    const identity = this.identity();
    if (!(await isEmulated(source, env))) {
      return this.awsEndpoint ? { ...identity, emulator: await endpointOnly(this.awsEndpoint) } : identity;
    }
    return { ...identity, emulator: await startEmulator(source, env, identity, this.awsEndpoint) };
  }

  /** The constructor's identity, as the helpers take it. */
  private identity(): BaseIdentity {
    return {
      awsAccessKeyId: this.awsAccessKeyId,
      awsSecretAccessKey: this.awsSecretAccessKey,
      awsSessionToken: this.awsSessionToken,
      awsWebIdentityToken: this.awsWebIdentityToken,
      githubOidcRequestUrl: this.githubOidcRequestUrl,
      githubOidcRequestToken: this.githubOidcRequestToken,
      awsContainerCredentialsUri: this.awsContainerCredentialsUri,
    };
  }

  /**
   * Lint everything: ESLint and Prettier over the TypeScript, tsc for the core and the module,
   * tofu fmt over terraform/, actionlint over the workflows. Reports every finding grouped by
   * tool and fails when there is any.
   */
  @func()
  @check()
  async lint(
    /** The repository to lint (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
  ): Promise<string> {
    return lintToolbox(source).withExec(["node_modules/.bin/tsx", "src/cli/main.ts", "lint"]).stdout();
  }

  /**
   * The container lint runs in: the repository with its npm dependencies, tofu, actionlint and
   * shellcheck. Open a shell in it with `dagger call toolbox terminal`.
   */
  @func()
  toolbox(
    /** The repository to mount at /repo (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
  ): Container {
    return lintToolbox(source);
  }

  /**
   * Run the test suite exactly as the README's test command does (scripts/test.sh), with the
   * AWS emulator bound as a service. Returns the report (ending "tests: N passed, N failed",
   * with coverage), whether it passed, and the results: test/junit.xml and test/coverage/
   * (cobertura-coverage.xml, lcov.info), plus run.json and summary.md. Fails when a test fails,
   * unless failOnFailure is false (CI: export the results, upload them, then `verdict`).
   */
  @func({ cache: "never" })
  @check()
  async test(
    /** The repository to test (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Fail when a test fails (default). false: return the run and its results either way. */
    failOnFailure = true,
  ): Promise<PipelineRun> {
    // The check's test step, alone: the same judgement and results as in check; the report is
    // the test command's own output, so it keeps its closing line.
    let output = "";
    const checks: CheckFunctions = {
      ...this.checks(),
      runTests: async (dir) => {
        const run = await runTests(dir);
        output = run.report;
        return run;
      },
    };
    const raw = rawResults();
    const stages = checkSteps(checks, source, raw).filter((s) => s.name === "test");
    const run = await runComposite({
      meta: { pipeline: "test", function: "test" },
      stages,
      source,
      raw,
      failOnFailure,
    });
    return new PipelineRun(output, run.passed, run.results);
  }

  /** What check runs, as the composites take it. */
  private checks(): CheckFunctions {
    return {
      lint: (source) => this.lint(source),
      runTests,
      // validateTerraform's defaults, reports kept whatever was found (the step judges them).
      validateReports: (source) =>
        validateReports(source, { severity: "HIGH", skip: [], failOnFindings: false, dir: "terraform", roots: [] }),
    };
  }

  /**
   * Build every service of an environment (or the chosen ones) for every configured platform,
   * as one multi-platform image per service, services in parallel, without pushing. Contexts
   * are repository directories or upstream repositories pinned to a commit (patched when the
   * config names a patch). Logs which services were rebuilt and which came from the cache.
   * Returns the containers, service by service, one per platform.
   */
  @func({ cache: "never" })
  async buildAll(
    /** Environment whose services to build: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Build only these services (default: all of the environment's). */
    services: string[] = [],
    /** Build only these platforms, e.g. linux/amd64 for a quick local build (default: the config's). */
    platforms: string[] = [],
  ): Promise<Container[]> {
    const plan = await buildPlan(source, env, { services, platforms });
    return [...(await buildAllImages(source, plan)).values()].flat();
  }

  /**
   * Scan one built container with Trivy before it is pushed (as a tarball: no registry), then
   * gate it in the core: fail on findings at or above the threshold unless an unexpired entry
   * of the ignore file covers them. Returns a directory with report.sarif, report.json and the
   * scan attestation publish checks; prints the findings table when the gate fails.
   */
  @func({ cache: "never" })
  async scanImage(
    /** The container to scan (one platform of a build, e.g. from buildAll). */
    image: Container,
    /** Fail on findings at or above this severity: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL. */
    threshold = "CRITICAL",
    /** Ignore file (Trivy .trivyignore.yaml shape): id, statement, optional packages and expired_at. */
    ignoreFile?: File,
    /** Vulnerability DB repository to download from instead of Trivy's default, e.g. a mirror. */
    dbRepository?: string,
    /** Label for the reports, e.g. "mcpo linux/arm64". */
    artifact = "image",
    /** Throw when the gate fails (default). false: return the reports anyway; publish still refuses. */
    failOnFindings = true,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source?: Directory,
  ): Promise<Directory> {
    return scanContainer(source!, image, { threshold, ignoreFile, dbRepository, artifact, failOnFindings });
  }

  /**
   * Build and scan every service of an environment, every platform, and collect all the
   * reports and attestations in one directory (one subdirectory per service and platform):
   * the directory publish takes as `scans`.
   */
  @func({ cache: "never" })
  async scanAll(
    /** Environment whose services to build and scan. */
    env: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Scan only these services (default: all). */
    services: string[] = [],
    /** Fail on findings at or above this severity. */
    threshold = "CRITICAL",
    /** Ignore file with expiring entries (see scanImage). */
    ignoreFile?: File,
    /** Vulnerability DB repository (mirror) to use. */
    dbRepository?: string,
  ): Promise<Directory> {
    const plan = await buildPlan(source, env, { services, platforms: [] });
    const built = await buildAllImages(source, plan);
    return scanBuilt(source, plan, built, { threshold, ignoreFile, dbRepository }, true);
  }

  /**
   * Push the environment's multi-platform images to each service's ECR repository, tagged
   * with the commit SHA and <env>-<sha12> (never latest), after checking each image has
   * passed scanImage (the given attestations, or a scan publish runs itself). Re-runnable: a
   * tag already on the same digest is left alone; a tag on an earlier build of the commit is
   * reused when that build's stored scan passed, and refused otherwise (naming the tag and
   * both digests). Returns the references by digest, as JSON.
   */
  @func({ cache: "never" })
  async publish(
    /** Environment to publish to: its account's ECR. */
    env: string,
    /** Full 40-character commit SHA the images are built from (git rev-parse HEAD). */
    commitSha: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Publish only these services (default: all). */
    services: string[] = [],
    /** Attestations from scanImage/scanAll for these exact images; without them, publish scans the images itself. */
    scans?: Directory,
    /** When publish scans: fail on findings at or above this severity. */
    threshold = "CRITICAL",
    /** When publish scans: ignore file with expiring entries (see scanImage). */
    ignoreFile?: File,
    /** When publish scans: vulnerability DB repository (mirror) to use. */
    dbRepository?: string,
    /** Push even images without a passing scan. Explicit and logged; for emergencies. */
    allowUnscanned = false,
    /** Build, verify scans and print what would be pushed, without logging in or pushing. */
    dryRun = false,
  ): Promise<string> {
    const plan = await buildPlan(source, env, { services, platforms: [], commit: commitSha });
    const built = await buildAllImages(source, plan);
    const identity = await this.aws(source, env);
    const gate = { threshold, ignoreFile, dbRepository };
    return publishImages(source, { plan, built, scans, gate, allowUnscanned, identity, commit: commitSha, dryRun });
  }

  /**
   * Copy the exact multi-platform image each service runs in one environment (read from its
   * live ECS task definition), or the images a commit published, to the next environment's
   * ECR, by digest (skopeo, registry to registry), and verify the digest on arrival. Never
   * rebuilds; promoting again is a no-op. Each side uses its own environment's deploy role;
   * pass dest* credentials when the destination needs a different base identity.
   */
  @func({ cache: "never" })
  async promote(
    /** Environment the images come from, e.g. dev. */
    fromEnv: string,
    /** Environment the images go to, e.g. staging. */
    toEnv: string,
    /** Promote only this service (default: all). */
    service?: string,
    /** Promote what this commit published instead of what runs (also names the copies' tags). */
    commitSha?: string,
    /** Refuse unless the source resolves to exactly this digest (needs service). */
    digest?: string,
    /** Resolve and compare only; copy nothing. */
    dryRun = false,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source?: Directory,
    /** Destination only: access key id of its own base identity; when set, the destination ignores the base one. */
    destAwsAccessKeyId?: Secret,
    /** Destination only: secret access key, with destAwsAccessKeyId. */
    destAwsSecretAccessKey?: Secret,
    /** Destination only: session token, for temporary keys. */
    destAwsSessionToken?: Secret,
  ): Promise<string> {
    const dest = {
      awsAccessKeyId: destAwsAccessKeyId,
      awsSecretAccessKey: destAwsSecretAccessKey,
      awsSessionToken: destAwsSessionToken,
    };
    const identity = this.identity();
    return promoteImages(source!, { from: fromEnv, to: toEnv, service, commitSha, digest, dryRun, identity, dest });
  }

  /**
   * Check the Terraform code: tofu fmt -check, tofu init -backend=false + validate of every
   * root, tflint with the AWS ruleset, trivy config and checkov. Findings from all tools are
   * reported together, grouped by tool, with file, line and module instance. Returns a
   * directory with report.txt, findings.json and terraform.sarif (for code-scanning upload);
   * fails when any finding is at or above the severity or a tool could not run, unless
   * failOnFindings is false.
   */
  @func()
  async validateTerraform(
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Fail on findings at or above this severity: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL. */
    severity = "HIGH",
    /** Tools not to run, reported as skipped: fmt, validate, tflint, trivy, checkov. */
    skip: string[] = [],
    /** Fail when the gate fails (default). false: return the reports whatever was found. */
    failOnFindings = true,
    /** Directory holding the Terraform code, relative to source: "." for *.tf at the top. */
    dir = "terraform",
    /**
     * Root modules to validate, relative to source (default: dir itself when it holds .tf
     * files, and every directory with a backend or provider block that no other calls).
     */
    roots: string[] = [],
  ): Promise<Directory> {
    return validateReports(source, { severity, skip, failOnFindings, dir, roots });
  }

  /**
   * Plan an environment's Terraform: after the AWS account guard (STS must answer with the
   * environment's account), init its S3 backend, save a plan and return the plan directory:
   * plan.tfplan, plan.json, summary.md and summary-1.md.. (each under GitHub's comment
   * limit, destroys and replacements first), fingerprint.json (every input: source, var
   * file, lock file, backend, state serial) and meta.json (environment, account, counts).
   */
  @func({ cache: "never" })
  async plan(
    /** Environment to plan: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Seconds to wait for the state lock before failing. */
    lockTimeout = 60,
  ): Promise<Directory> {
    const identity = await this.aws(source, env);
    return planDirectory(source, { env, lockTimeout, identity });
  }

  /**
   * Apply exactly a saved plan directory (from plan) to its environment. Refuses, before
   * changing anything: a plan for another environment or account, credentials in another
   * account, a plan whose inputs or state changed since planning (stale), an altered plan
   * file, and, where the environment requires approval, a call without confirm set to the
   * environment's name. Reports what changed.
   */
  @func({ cache: "never" })
  async apply(
    /** Environment to apply to; must be the one the plan was made for. */
    env: string,
    /** The plan directory plan returned. */
    plan: Directory,
    /** The repository, at the same commit the plan was made from. */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Explicit approval: the environment's name, required where the environment requires approval. */
    confirm = "",
    /** Run every check (approval, account, staleness), then stop before applying. */
    dryRun = false,
    /** Seconds to wait for the state lock before failing. */
    lockTimeout = 60,
  ): Promise<string> {
    const identity = await this.aws(source, env);
    return applyPlan(source, { env, plan, confirm, dryRun, lockTimeout, identity });
  }

  /**
   * Deploy an image to one ECS service of an environment: check the account (STS), render a
   * new task-definition revision from the revision Terraform registered last (Terraform owns
   * everything but the image) with only the service's containers' image replaced, print the
   * diff against what runs, register, update the service, follow the rollout
   * (deployments, service events, stopped tasks' reasons), verify ALB target health and the
   * health URL, and on any failure (circuit-breaker rollback, FAILED rollout, timeout,
   * unhealthy) roll back to the revision that ran before and wait for it. Before any change,
   * pre-flight: the image is in the service's ECR repository, exists for the task's CPU
   * architecture and passed the scan gate, and the task and execution roles exist (exit 2,
   * nothing registered, when not). Returns the report; throws with it when the deploy failed,
   * so CI fails.
   */
  @func({ cache: "never" })
  async deployService(
    /** Environment to deploy to: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** Service name from the environment file, e.g. open-webui. */
    service: string,
    /** Image to deploy, with a tag and/or a digest (repository:tag, repository@sha256:...). */
    image: string,
    /** Environments that require approval refuse unless this names the environment, e.g. prod. */
    confirm?: string,
    /** Render and diff only; register and change nothing. */
    dryRun = false,
    /** How to present the result: text (the report) or json. */
    format: OutputFormat = OutputFormat.Text,
    /** Rollout timeout in seconds (default: the environment's deploy.timeoutSeconds). */
    timeoutSeconds?: number,
    /** URL probed after the rollout (default: the service's healthCheck.url, if any). */
    healthUrl?: string,
    /** After a success, deregister revisions older than the newest N. */
    keepRevisions?: number,
    /** Role to assume instead of the environment's aws.roles.deploy. */
    roleArn?: string,
    /** Deploy an image from outside the service's configured ECR repository (pre-flight refuses it otherwise); printed as a warning and recorded in the report. */
    allowForeignImage = false,
    /** Deploy an image without a passing scan attestation (pre-flight refuses it otherwise); printed as a warning and recorded in the report. */
    allowUnscanned = false,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source?: Directory,
  ): Promise<string> {
    const args = deployServiceArgs({
      env,
      service,
      image,
      confirm,
      dryRun,
      format,
      timeoutSeconds,
      healthUrl,
      keepRevisions,
      roleArn,
      allowForeignImage,
      allowUnscanned,
    });
    const identity = await this.aws(source!, env);
    return runEcsVerb(source!, args, identity);
  }

  /**
   * Roll one ECS service back to an explicit task-definition revision (number, family:number
   * or ARN) or, by default, to the last revision recorded as stable before the current one
   * (never blindly "current minus one"). Same account check, diff, rollout watch, health
   * check and report as deployService; a failed rollback returns to what ran before.
   */
  @func({ cache: "never" })
  async rollback(
    /** Environment of the service: dev, staging, prod or local. */
    env: string,
    /** Service name from the environment file, e.g. open-webui. */
    service: string,
    /** Revision to return to; empty: the last revision that was stable before the current one. */
    revision?: string,
    /** Environments that require approval refuse unless this names the environment, e.g. prod. */
    confirm?: string,
    /** Show the target and the diff only; change nothing. */
    dryRun = false,
    /** How to present the result: text (the report) or json. */
    format: OutputFormat = OutputFormat.Text,
    /** Rollout timeout in seconds (default: the environment's deploy.timeoutSeconds). */
    timeoutSeconds?: number,
    /** URL probed after the rollout (default: the service's healthCheck.url, if any). */
    healthUrl?: string,
    /** After a success, deregister revisions older than the newest N (never the running or previous one). */
    keepRevisions?: number,
    /** Role to assume instead of the environment's aws.roles.deploy. */
    roleArn?: string,
    /**
     * Roll back even when nothing would judge the target's health (no ALB target group, no
     * container health check, no health URL), e.g. to a revision older than the container health
     * checks; printed as a warning and recorded in the report.
     */
    allowUnchecked = false,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source?: Directory,
  ): Promise<string> {
    const args = rollbackArgs({
      env,
      service,
      revision,
      confirm,
      dryRun,
      format,
      timeoutSeconds,
      healthUrl,
      keepRevisions,
      roleArn,
      allowUnchecked,
    });
    const identity = await this.aws(source!, env);
    return runEcsVerb(source!, args, identity);
  }

  /**
   * What runs where, read-only (the environment's plan role): for every service of an
   * environment, or one, the running task-definition revision and its image by digest, the
   * deployment state (steady, rolling, failed), the revision the next deploy renders from
   * (Terraform's latest), and the recorded history newest first with its marks (stable,
   * failed, rolled-back), time and commit. Read it before choosing a rollback revision.
   */
  @func({ cache: "never" })
  async status(
    /** Environment to show: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** Show only this service (default: all of the environment's). */
    service?: string,
    /** Revisions of history per service (default 10). */
    depth?: number,
    /** How to present the status: text (a table per service) or json. */
    format: OutputFormat = OutputFormat.Text,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source?: Directory,
  ): Promise<string> {
    // Like every AWS step: an emulator environment gets its emulator bound beside the core.
    return runEcsVerb(source!, statusArgs({ env, service, depth, format }), await this.aws(source!, env));
  }

  /**
   * The main job a newcomer runs first: lint, test and validateTerraform in parallel, with one
   * summary of all three (what passed, what failed and why). Returns the report, whether it
   * passed, and the results (run.json, summary.md, JUnit XML, coverage, SARIF). Fails when
   * any of them fails, unless failOnFailure is false.
   */
  @func({ cache: "never" })
  async check(
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Fail when a step fails (default). false: return the run and its results either way (CI then runs `verdict`). */
    failOnFailure = true,
  ): Promise<PipelineRun> {
    const raw = rawResults();
    const stages = [{ name: "check", parallel: checkSteps(this.checks(), source, raw) }];
    return pipelineRun(
      await runComposite({ meta: { pipeline: "check", function: "check" }, stages, source, raw, failOnFailure }),
    );
  }

  /**
   * A pull request's job: check (lint, test, validateTerraform) and a plan of the environment
   * the pull request targets, in parallel; then, given repository, prNumber and githubToken
   * (or GitLab's project, merge request, token and API URL), the plan summary posted as the
   * pull request's one comment (the merge request's note) for that environment, updated
   * in place on every push (split across comments only over GitHub's 65,536-character limit),
   * with the check results above the plan; it is posted even when a check failed. Returns the
   * report (the steps, then the plan), whether it passed, and the results directory.
   */
  @func({ cache: "never" })
  async pullRequest(
    /** Environment the pull request targets: dev, staging or prod (environments/<env>.json). */
    env: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** GitHub repository as owner/name (GitHub Actions: $GITHUB_REPOSITORY); omit to only print the plan. */
    repository?: string,
    /** Pull request number (GitHub Actions: github.event.pull_request.number). */
    prNumber?: number,
    /** Token allowed to write pull-request comments (GitHub Actions: GITHUB_TOKEN with pull-requests: write). */
    githubToken?: Secret,
    /** GitHub REST API base URL, for GitHub Enterprise (default https://api.github.com). */
    githubApiUrl?: string,
    /** GitLab instead of GitHub: the project id the merge request belongs to (GitLab CI: $CI_PROJECT_ID). */
    gitlabProject?: string,
    /** GitLab: the merge request's IID (GitLab CI: $CI_MERGE_REQUEST_IID). */
    mergeRequestIid?: number,
    /** GitLab: a project access token with the api scope, to write the merge request's note (not the job token). */
    gitlabToken?: Secret,
    /** GitLab: REST API base URL (GitLab CI: $CI_API_V4_URL, e.g. https://gitlab.com/api/v4). */
    gitlabApiUrl?: string,
    /** Fail when a step fails (default). false: return the run and its results either way (CI then runs `verdict`). */
    failOnFailure = true,
  ): Promise<PipelineRun> {
    const identity = await this.aws(source, env);
    const raw = rawResults();
    const recorder = new StepRecorder();
    const meta = { pipeline: `pullRequest ${env}`, function: "pullRequest", env };
    const github = { repository, prNumber, githubToken, githubApiUrl };
    const gitlab = { gitlabProject, mergeRequestIid, gitlabToken, gitlabApiUrl };
    const target = { env, identity, ...github, ...gitlab };
    const soFar = () => resultsDirectory(source, raw, meta, recorder.result(meta.pipeline));
    const stages = pullRequestStages(this.checks(), source, target, raw, soFar);
    const epilogue = async () => raw.plan?.file("summary.md").contents();
    return pipelineRun(await runComposite({ meta, stages, source, raw, failOnFailure, recorder, epilogue }));
  }

  /**
   * Deploy a commit to an environment: buildAll -> scanImage -> publish -> plan -> apply ->
   * waitServices (the ECS deployments the apply started) -> deployService for each service
   * whose task definition changes (each one checks health and, when its rollout fails,
   * returns to the revision that ran before). Re-running it is safe: images already
   * published for the commit are reused, never pushed again under a taken tag. An
   * environment promoted from another (environments/<env>.json promotedFrom; prod from
   * staging) never builds: promote (the exact digests the source runs, or promoteCommit's,
   * verified on arrival, scan attestations re-checked) -> plan -> apply -> deployService by
   * digest. Stops at the first failure and ends with one summary, so every service is left on
   * a working revision. Returns the report, whether it passed, and the results: run.json and
   * summary.md (stages, plan counts, images with digests and scan verdicts, each service's
   * revision before and after), SARIF.
   */
  @func({ cache: "never" })
  async deploy(
    /** Environment to deploy to: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** Full 40-character commit SHA the images are built from (GitHub Actions: $GITHUB_SHA). */
    commitSha: string,
    /** The repository, at that commit (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Approval where the environment requires it: the environment's name, e.g. prod. */
    confirm?: string,
    /** Fail the scan on findings at or above this severity: UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL. */
    threshold = "CRITICAL",
    /** Scan ignore file with expiring entries (see scanImage). */
    ignoreFile?: File,
    /** Vulnerability DB repository (mirror) for the scan. */
    dbRepository?: string,
    /** Build, scan, plan and check everything; push, apply and deploy nothing. */
    dryRun = false,
    /** Build, publish and deploy only these services (default: all), e.g. mcpo for a quick rehearsal. */
    services: string[] = [],
    /** Build only these platforms (default: the config's), e.g. linux/amd64 for a quick rehearsal. */
    platforms: string[] = [],
    /** Fail when a step fails (default). false: return the run and its results either way (CI then runs `verdict`). */
    failOnFailure = true,
    /** Promoted environments only (prod): promote what this commit published in the source environment instead of what runs there now. */
    promoteCommit?: string,
  ): Promise<PipelineRun> {
    const identity = await this.aws(source, env);
    const { from: promotedFrom } = await deployMode(source, env);
    const gate = { threshold, ignoreFile, dbRepository };
    const options = { env, commitSha, confirm, ...gate, dryRun, identity, services, platforms };
    const promotion = { promotedFrom, promoteCommit };
    const raw = rawResults();
    const meta = { pipeline: `deploy ${env}${dryRun ? " (dry run)" : ""}`, function: "deploy", env, commit: commitSha };
    return pipelineRun(
      await runComposite({
        meta,
        stages: deployStages(source, { ...options, ...promotion }, raw),
        source,
        raw,
        failOnFailure,
      }),
    );
  }

  /**
   * Plan an environment's committed code against its live state with the read-only role and
   * fail (exit non-zero) when the plan wants any change: drift between state and code.
   */
  @func({ cache: "never" })
  async detectDrift(
    /** Environment to check: dev, staging, prod or local (environments/<env>.json). */
    env: string,
    /** The repository (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: SOURCE_IGNORE,
    })
    source: Directory,
    /** Fail when a step fails (default). false: return the run and its results either way (CI then runs `verdict`). */
    failOnFailure = true,
  ): Promise<PipelineRun> {
    const identity = await this.aws(source, env);
    const raw = rawResults();
    const meta = { pipeline: `detectDrift ${env}`, function: "detectDrift", env };
    return pipelineRun(
      await runComposite({ meta, stages: detectDriftStages(source, env, identity, raw), source, raw, failOnFailure }),
    );
  }

  /**
   * The verdict on a run whose results were exported (`dagger call check --fail-on-failure=false
   * results export --path DIR`): prints the run's job summary and fails when the run failed.
   * A CI's last step, after it uploaded the results, so a failed check is a failed job.
   */
  @func()
  async verdict(
    /** The results directory a run returned (it holds run.json and summary.md). */
    results: Directory,
  ): Promise<string> {
    const run = JSON.parse(await results.file("run.json").contents()) as {
      ok: boolean;
      pipeline: string;
      failedStep?: string;
    };
    const summary = await results.file("summary.md").contents();
    if (!run.ok) throw new Error(`${run.pipeline} failed at ${run.failedStep ?? "a step"}\n\n${summary}`);
    return summary;
  }

  /**
   * A run's job summary (summary.md of its results), to export where the CI shows it:
   * `dagger call job-summary --results DIR export --path "$GITHUB_STEP_SUMMARY"`.
   */
  @func()
  jobSummary(
    /** The results directory a run returned. */
    results: Directory,
  ): File {
    return results.file("summary.md");
  }
}
