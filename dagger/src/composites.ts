/**
 * The stages of the composite functions. Each step calls what the single-purpose functions
 * call (the same helpers, with named options), so a composite does exactly what running those
 * functions one after another would, and the step runner stops at the first failure.
 */
import { type Container, type Directory, type File, type Secret } from "@dagger.io/dagger";
import type { BaseIdentity } from "./aws.js";
import { deployServiceArgs, OutputFormat, runEcsVerb } from "./deploy.js";
import { buildAllImages, buildPlan, publishImages, scanBuilt, type BuildPlan } from "./images.js";
import { decideDrift, postPlanComment, step, wantsComment } from "./pipeline.js";
import type { Stage, Step } from "./pipeline-runner.js";
import { applyPlan, planDirectory } from "./terraform.js";

/** What `check` runs; the module's own functions. */
export interface CheckFunctions {
  lint(source: Directory): Promise<string>;
  test(source: Directory): Promise<string>;
  validateTerraform(source: Directory): Promise<Directory>;
}

const LOCK_TIMEOUT_SECONDS = 60;

/** lint, test and validateTerraform, started together. */
export function checkSteps(fns: CheckFunctions, source: Directory): Step[] {
  return [
    step("lint", () => fns.lint(source)),
    step("test", async () => lastLine(await fns.test(source))),
    step("validateTerraform", async () => (await fns.validateTerraform(source)).file("report.txt").contents()),
  ];
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").filter(Boolean).at(-1) ?? "";
}

/** A plan step that evaluates the plan now (a Directory is lazy) and reports its counts. */
function planStep(source: Directory, env: string, identity: BaseIdentity, keep: (dir: Directory) => void): Step {
  return step("plan", async () => {
    const planned = await planDirectory(source, { env, lockTimeout: LOCK_TIMEOUT_SECONDS, identity });
    const dir = await planned.sync();
    keep(dir);
    const meta = JSON.parse(await dir.file("meta.json").contents()) as { counts: Record<string, number> };
    const { add, change, destroy } = meta.counts;
    return `${add} to add, ${change} to change, ${destroy} to destroy`;
  });
}

export interface PullRequestOptions {
  env: string;
  identity: BaseIdentity;
  repository?: string;
  prNumber?: number;
  githubToken?: Secret;
  githubApiUrl?: string;
}

/** The checks and the plan together, then the plan as the pull request's comment. */
export function pullRequestStages(
  fns: CheckFunctions,
  source: Directory,
  o: PullRequestOptions,
): { stages: Stage[]; planDir: () => Directory | undefined } {
  let planDir: Directory | undefined;
  const stages: Stage[] = [
    {
      name: "check and plan",
      parallel: [...checkSteps(fns, source), planStep(source, o.env, o.identity, (dir) => (planDir = dir))],
    },
  ];
  if (wantsComment(o)) stages.push(step("comment", () => postPlanComment(source, planDir!, o)));
  return { stages, planDir: () => planDir };
}

/** A plan of the code against the live state, and the core's drift decision on it. */
export function detectDriftStages(source: Directory, env: string, identity: BaseIdentity): Stage[] {
  let planDir: Directory | undefined;
  return [
    planStep(source, env, identity, (dir) => (planDir = dir)),
    step("drift", () => decideDrift(source, planDir!)),
  ];
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
}

interface Published {
  images?: { service: string; references: string[] }[];
}

/** What the deploy steps hand on to the next ones. */
interface DeployState {
  plan?: BuildPlan;
  built: Map<string, Container[]>;
  scans?: Directory;
  published: Published;
  planDir?: Directory;
}

/**
 * buildAll -> scanImage -> publish -> plan -> apply -> deployService for each service whose
 * image changed (each checks health, and restores the previous revision when it fails).
 */
export function deployStages(source: Directory, o: DeployOptions): Stage[] {
  const state: DeployState = { built: new Map(), published: {} };
  return [
    step("buildAll", () => buildImages(source, o, state)),
    step("scanImage", () => scanImages(source, o, state)),
    step("publish", () => publish(source, o, state)),
    planStep(source, o.env, o.identity, (dir) => (state.planDir = dir)),
    step("apply", () => apply(source, o, state)),
    {
      name: "deployService",
      expand: () =>
        o.dryRun
          ? [step("deployService", async () => "dry run: images were not pushed, no service rendered")]
          : (state.published.images ?? []).map((i) => deployChanged(source, o, i.service, i.references[0]!)),
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
  state.plan = await buildPlan(source, o.env, { services: [], platforms: [], commit: o.commitSha });
  state.built = await buildAllImages(source, state.plan);
  return `${state.built.size} services, ${imageCount(state)} images`;
}

async function scanImages(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  state.scans = await scanBuilt(source, state.plan!, state.built, gateOf(o), true);
  return `${imageCount(state)} images, none at or above ${o.threshold}`;
}

async function publish(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  const { plan, built, scans } = state;
  const out = await publishImages(source, {
    plan: plan!,
    built,
    scans,
    gate: gateOf(o),
    allowUnscanned: false,
    identity: o.identity,
    dryRun: o.dryRun,
  });
  state.published = JSON.parse(out) as Published;
  return o.dryRun ? "dry run: nothing pushed" : `${state.published.images?.length ?? 0} images pushed`;
}

async function apply(source: Directory, o: DeployOptions, state: DeployState): Promise<string> {
  const report = await applyPlan(source, {
    env: o.env,
    plan: state.planDir!,
    confirm: o.confirm ?? "",
    dryRun: o.dryRun,
    lockTimeout: LOCK_TIMEOUT_SECONDS,
    identity: o.identity,
  });
  return report.trim().split("\n")[0] ?? "";
}

/** Deploys one service unless its task definition already runs this image (a dry run decides). */
function deployChanged(source: Directory, o: DeployOptions, service: string, image: string): Step {
  return step(`deployService ${service}`, async () => {
    const common = { env: o.env, service, image, confirm: o.confirm };
    const preview = await runEcsVerb(
      source,
      deployServiceArgs({ ...common, dryRun: true, format: OutputFormat.Json }),
      o.identity,
    );
    if ((JSON.parse(preview) as { forcedNewDeployment?: boolean }).forcedNewDeployment) {
      return `unchanged: already runs ${image}`;
    }
    const report = await runEcsVerb(
      source,
      deployServiceArgs({ ...common, dryRun: false, format: OutputFormat.Text }),
      o.identity,
    );
    return report.trim().split("\n")[0];
  });
}
