/**
 * The stages of the composite functions. Each step calls what the single-purpose functions
 * call (the same helpers, with named options), so a composite does exactly what running those
 * functions one after another would, and the step runner stops at the first failure.
 */
import { type Container, type Directory, type File } from "@dagger.io/dagger";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { CORE_CLI, coreToolbox, everyCall } from "./containers.js";
import { deployServiceArgs, OutputFormat, runEcsVerbRaw } from "./deploy.js";
import { buildAllImages, buildPlan, publishImages, scanBuilt, type BuildPlan } from "./images.js";
import { decideDrift, postPlanComment, step, wantsComment, type CommentTarget } from "./pipeline.js";
import type { Stage, Step } from "./pipeline-runner.js";
import { lastLine, type RawResults, type TestRun } from "./results.js";
import { promoteImages, type Promoted } from "./promotion.js";
import { applyPlan, planDirectory } from "./terraform.js";

/** What `check` runs: the module's lint, the test command and validateTerraform's reports. */
export interface CheckFunctions {
  lint(source: Directory): Promise<string>;
  /** The test command, returning its files whether it passed or not. */
  runTests(source: Directory): Promise<TestRun>;
  /** validateTerraform's reports whatever was found (the step judges findings.json). */
  validateReports(source: Directory): Directory;
}

const LOCK_TIMEOUT_SECONDS = 60;

/** Lines of a failed test run kept in the step's error (the whole output is in the log). */
const TEST_TAIL_LINES = 20;

/** An empty record of raw outputs, for a composite to fill. */
export function rawResults(): RawResults {
  return { deploys: new Map() };
}

/**
 * lint, test and validateTerraform, started together. The test and Terraform steps keep
 * their reports in `raw` before judging them, so a failing run still leaves its JUnit XML
 * and SARIF for the CI to upload.
 */
export function checkSteps(fns: CheckFunctions, source: Directory, raw: RawResults): Step[] {
  return [
    step("lint", () => fns.lint(source)),
    step("test", async () => {
      const run = await fns.runTests(source);
      raw.test = run.files;
      if (!run.passed) throw new Error(run.report.trimEnd().split("\n").slice(-TEST_TAIL_LINES).join("\n"));
      return lastLine(run.report);
    }),
    step("validateTerraform", async () => {
      const dir = fns.validateReports(source);
      raw.terraform = dir;
      const [report, findings] = await Promise.all([
        dir.file("report.txt").contents(),
        dir.file("findings.json").contents(),
      ]);
      if (!(JSON.parse(findings) as { passed: boolean }).passed) throw new Error(report.trim());
      return report;
    }),
  ];
}

/**
 * A plan step that evaluates the plan now (a Directory is lazy), keeps it in `raw` and reports
 * its counts. With `published` (deploy), the plan gets publish's digests for the services
 * Terraform has not registered yet: the first apply starts them on those.
 */
function planStep(
  source: Directory,
  env: string,
  identity: BaseIdentity,
  raw: RawResults,
  published?: () => string | undefined,
): Step {
  return step("plan", async () => {
    const out = published?.();
    const planned = await planDirectory(source, {
      env,
      lockTimeout: LOCK_TIMEOUT_SECONDS,
      identity,
      ...(out ? { published: out } : {}),
    });
    const dir = await planned.sync();
    raw.plan = dir;
    const meta = JSON.parse(await dir.file("meta.json").contents()) as { counts: Record<string, number> };
    const { add, change, destroy } = meta.counts;
    return `${add} to add, ${change} to change, ${destroy} to destroy`;
  });
}

export interface PullRequestOptions extends CommentTarget {
  env: string;
  identity: BaseIdentity;
}

/**
 * The checks and the plan together, then the pull request's one comment: the check results
 * above the plan. The comment step runs even when a check failed (that is when the author
 * needs it); `results` renders the run so far into the directory the comment is built from.
 */
export function pullRequestStages(
  fns: CheckFunctions,
  source: Directory,
  o: PullRequestOptions,
  raw: RawResults,
  results: () => Directory,
): Stage[] {
  const stages: Stage[] = [
    { name: "check and plan", parallel: [...checkSteps(fns, source, raw), planStep(source, o.env, o.identity, raw)] },
  ];
  if (wantsComment(o)) {
    stages.push({
      ...step("comment", () => postPlanComment(source, { plan: raw.plan, results: results() }, o)),
      always: true,
    });
  }
  return stages;
}

/** A plan of the code against the live state, and the core's drift decision on it. */
export function detectDriftStages(source: Directory, env: string, identity: BaseIdentity, raw: RawResults): Stage[] {
  return [planStep(source, env, identity, raw), step("drift", () => decideDrift(source, raw.plan!))];
}

export interface DeployOptions {
  env: string;
  commitSha: string;
  confirm?: string;
  threshold: string;
  ignoreFile?: File;
  dbRepository?: string;
  dryRun: boolean;
  identity: BaseIdentity;
  /** The environment this one is promoted from (its config's promotedFrom): then nothing is built. */
  promotedFrom?: string;
  /** With promotedFrom: promote what this commit published instead of what runs there now. */
  promoteCommit?: string;
  /** Only these services / platforms (empty: all of the environment's). */
  services?: string[];
  platforms?: string[];
}

interface Published {
  images?: { service: string; references: string[]; outcome?: string }[];
}

/** What the deploy steps hand on to the next ones; what readers get goes to `raw`. */
interface DeployState {
  plan?: BuildPlan;
  built: Map<string, Container[]>;
  published: Published;
  raw: RawResults;
}

/**
 * buildAll -> scanImage -> publish -> plan -> apply -> waitServices -> deployService for each
 * service whose task definition changes (each checks health, and restores the previous
 * revision when it fails). Publish comes before plan because the platform's first apply
 * starts every service on the digests it pushed (terraform/bootstrap made the repositories);
 * waitServices lets the ECS deployments an apply started end before any deploy begins.
 */
export function deployStages(source: Directory, o: DeployOptions, raw: RawResults): Stage[] {
  if (o.promotedFrom) return promotedDeployStages(source, o, o.promotedFrom, raw);
  const state: DeployState = { built: new Map(), published: {}, raw };
  return [
    step("buildAll", () => buildImages(source, o, state)),
    step("scanImage", () => scanImages(source, o, state)),
    step("publish", () => publish(source, o, state)),
    planStep(source, o.env, o.identity, raw, () => (o.dryRun ? undefined : raw.publish)),
    step("apply", () => apply(source, o, state)),
    step("waitServices", () =>
      o.dryRun ? Promise.resolve("dry run: nothing applied") : waitServices(source, o.env, o.identity),
    ),
    {
      name: "deployService",
      expand: () =>
        o.dryRun
          ? [step("deployService", async () => "dry run: images were not pushed, no service rendered")]
          : (state.published.images ?? []).map((i) => deployChanged(source, o, raw, i.service, i.references[0]!)),
    },
  ];
}

/**
 * An environment promoted from another never builds: promote (the exact digests the source
 * runs, or a named commit's; verified on arrival; scan attestations re-checked before any
 * copy) -> plan -> apply -> deployService of each service by the digest it was promoted as.
 */
function promotedDeployStages(source: Directory, o: DeployOptions, from: string, raw: RawResults): Stage[] {
  const state: DeployState = { built: new Map(), published: {}, raw };
  let promoted: Promoted[] = [];
  return [
    step("promote", async () => {
      const args = { from, to: o.env, commitSha: o.promoteCommit, dryRun: o.dryRun, identity: o.identity };
      const out = await promoteImages(source, args);
      raw.publish = out;
      promoted = (JSON.parse(out) as { results: Promoted[] }).results;
      const copied = promoted.filter((p) => p.changed).length;
      return `${promoted.length} images from ${from}, ${copied} ${o.dryRun ? "would be " : ""}copied`;
    }),
    planStep(source, o.env, o.identity, raw),
    step("apply", () => apply(source, o, state)),
    {
      name: "deployService",
      expand: () =>
        o.dryRun
          ? [step("deployService", async () => "dry run: nothing promoted, no service rendered")]
          : promoted.map((p) => deployChanged(source, o, raw, p.service, p.reference)),
    },
  ];
}

const gateOf = (o: DeployOptions) => ({
  threshold: o.threshold,
  ignoreFile: o.ignoreFile,
  dbRepository: o.dbRepository,
});
const imageCount = (state: DeployState) => [...state.built.values()].flat().length;

async function buildImages(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  const selection = { services: o.services ?? [], platforms: o.platforms ?? [], commit: o.commitSha };
  state.plan = await buildPlan(source, o.env, selection);
  state.built = await buildAllImages(source, state.plan);
  return `${state.built.size} services, ${imageCount(state)} images`;
}

async function scanImages(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  state.raw.scans = await scanBuilt(source, state.plan!, state.built, gateOf(o), true);
  return `${imageCount(state)} images, none at or above ${o.threshold}`;
}

async function publish(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  const { plan, built } = state;
  const scans = state.raw.scans;
  const out = await publishImages(source, {
    plan: plan!,
    built,
    scans,
    gate: gateOf(o),
    allowUnscanned: false,
    identity: o.identity,
    commit: o.commitSha,
    dryRun: o.dryRun,
  });
  state.raw.publish = out;
  state.published = JSON.parse(out) as Published;
  if (o.dryRun) return "dry run: nothing pushed";
  return (state.published.images ?? []).map((i) => `${i.service} ${i.outcome ?? "pushed"}`).join(", ");
}

async function apply(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  const report = await applyPlan(source, {
    env: o.env,
    plan: state.raw.plan!,
    confirm: o.confirm ?? "",
    dryRun: o.dryRun,
    lockTimeout: LOCK_TIMEOUT_SECONDS,
    identity: o.identity,
  });
  return report.trim().split("\n")[0] ?? "";
}

/** The core's wait-services: bounded by the environment's deploy timeout, progress in the log. */
async function waitServices(source: Directory, env: string, identity: BaseIdentity): Promise<string> {
  const ctr = withAwsIdentity(everyCall(coreToolbox(source)), identity);
  return (await ctr.withExec([...CORE_CLI, "wait-services", "--env", env]).stdout()).trim().split("\n").join("; ");
}

/**
 * Deploys one service unless the revision it would roll out (Terraform's latest with this
 * image) is what already runs (a dry run decides). The core's JSON result (before, rolled out, running, outcome) goes to `raw`
 * whatever the outcome: a failed deploy that was restored is what a reader most needs.
 */
function deployChanged(source: Directory, o: DeployOptions, raw: RawResults, service: string, image: string): Step {
  return step(`deployService ${service}`, async () => {
    const common = { env: o.env, service, image, confirm: o.confirm, format: OutputFormat.Json };
    // An emulator environment's images are in the stand-in registry publish pushed to in this call.
    const where = { standInRegistry: true };
    const preview = await runEcsVerbRaw(source, deployServiceArgs({ ...common, dryRun: true }), o.identity, where);
    if (preview.code !== 0) throw new Error(`deploy-service --dry-run exited ${preview.code}\n${tail(preview.stderr)}`);
    if ((JSON.parse(preview.stdout) as { forcedNewDeployment?: boolean }).forcedNewDeployment) {
      raw.deploys.set(service, preview.stdout);
      return `unchanged: already runs ${image}`;
    }
    const ran = await runEcsVerbRaw(source, deployServiceArgs({ ...common, dryRun: false }), o.identity, where);
    const result = parseDeploy(ran.stdout);
    if (result) raw.deploys.set(service, ran.stdout);
    if (ran.code !== 0) {
      const outcome = result ? `: ${result.status}` : "";
      throw new Error(`deploy-service exited ${ran.code}${outcome}\n--- last progress lines ---\n${tail(ran.stderr)}`);
    }
    return `deployed ${service}: ${result?.status ?? "succeeded"}`;
  });
}

function parseDeploy(stdout: string): { status: string } | undefined {
  try {
    return JSON.parse(stdout) as { status: string };
  } catch {
    return undefined; // failed before a result existed (bad input, AWS error before any change)
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
