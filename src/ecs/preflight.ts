import type { IAM } from "@aws-sdk/client-iam";
import { parseRoleArn } from "../config/rules.js";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { PipelineError, userError } from "../errors.js";
import { ecrAuthorization, ecrRegistry, type EcrLike } from "../images/ecr-auth.js";
import { withAuthFile } from "../images/registry-auth.js";
import { skopeoClient, type ImageRef, type RegistryAccess, type RegistryClient } from "../images/skopeo.js";
import { awsError } from "./api.js";
import { checkAttested, checkManifest, ociArchitecture, splitImage, type SplitImage } from "./image-checks.js";
import type { ProgressSink } from "./progress.js";
import type { TaskDefinitionInput } from "./task-definition.js";

/**
 * Pre-flight: what ecspresso's `verify` checks, before the deployer changes anything (no
 * revision registered, no UpdateService, no history mark): the image is in the environment's
 * repository, its manifest exists for the task's CPU architecture, publish's scan gate passed
 * for exactly those bytes, and the task and execution roles exist. Every check runs and every
 * failure is reported at once (PreflightFailed, exit 2); a bypass flag turns a failure into a
 * loud "bypassed" that the report keeps. It runs under the rollout lock, after the render:
 * what it checks is the revision the deploy would register (its roles, its architecture),
 * rendered from the service and Terraform's revision as the lock holder sees them; a refusal
 * releases the lock in onService's `finally`, like any error before the first change.
 */
export type PreflightCheckName = "repository" | "manifest" | "scan" | "roles";
export type PreflightStatus = "passed" | "failed" | "bypassed" | "skipped";

export interface PreflightCheck {
  check: PreflightCheckName;
  status: PreflightStatus;
  /** The input checked: an image reference or a role ARN. */
  subject: string;
  detail: string;
  /** What to do, for a failure. */
  hint?: string;
}

/** What a person can say about pre-flight (deploy-service's flags). */
export interface PreflightSettings {
  /** Deploy an image from outside the environment's repository; a loud warning, recorded. */
  allowForeignImage?: boolean;
  /** Deploy an image without a passing scan attestation; a loud warning, recorded. */
  allowUnscanned?: boolean;
  /**
   * Emulator environments only: host[:port] of the registry standing in for ECR (plain HTTP),
   * e.g. the module's `registry:5000`. Without it an emulator environment's registry checks are
   * skipped (its ECR holds manifests but no layers) and the report says so.
   */
  registry?: string;
  /** How the registry is read; default skopeo on PATH. */
  registryClient?: RegistryClient;
}

/** The AWS calls pre-flight makes. */
export interface PreflightAws {
  iam: Pick<IAM, "getRole">;
  ecr: EcrLike;
}

export interface PreflightTarget {
  env: EnvironmentConfig;
  cfg: ServiceConfig;
  /** The images the revision would run in the deployer's containers. */
  images: string[];
  /** runtimePlatform.cpuArchitecture of the revision. */
  cpuArchitecture: string | undefined;
  /** taskRoleArn and executionRoleArn of the revision, where set. */
  roles: string[];
  /** Rollback returns to a revision that already ran: no repository or scan gate there. */
  gates: { repository: boolean; scan: boolean };
}

export class PreflightFailed extends PipelineError {
  constructor(
    readonly checks: PreflightCheck[],
    what: string,
  ) {
    const failed = checks.filter((c) => c.status === "failed");
    super(
      `Failed the pre-flight checks of ${what}: ${failed.length} of ${checks.length} failed; nothing was changed\n${failed.map((c) => `  - ${c.check} ${c.subject}: ${c.detail}`).join("\n")}`,
      {
        code: "ecs.preflight-failed",
        source: "user",
        hint: [...new Set(failed.map((c) => c.hint ?? ""))].filter(Boolean).join("\n      "),
      },
    );
    this.name = "PreflightFailed";
  }
}

/** Runs every check, reports each as progress, and throws PreflightFailed when any failed. */
export async function preflight(
  aws: PreflightAws,
  target: PreflightTarget,
  settings: PreflightSettings,
  progress: ProgressSink,
  what: string,
): Promise<PreflightCheck[]> {
  const checks = [
    ...(await imageChecks(aws, target, settings)),
    ...(await Promise.all(target.roles.map((arn) => roleCheck(aws.iam, arn, target.env)))),
  ];
  for (const c of checks) {
    const line = `pre-flight ${c.check} ${c.status.toUpperCase()}: ${c.detail}`;
    progress(c.status === "bypassed" ? { kind: "warning", message: line } : { kind: "step", message: line });
  }
  if (checks.some((c) => c.status === "failed")) throw new PreflightFailed(checks, what);
  return checks;
}

/** Warnings for the report: every bypass, said loudly. */
export function bypassWarnings(checks: PreflightCheck[]): string[] {
  return checks
    .filter((c) => c.status === "bypassed")
    .map((c) => `PRE-FLIGHT BYPASSED (${c.check}) for ${c.subject}: ${c.detail}`);
}

interface OurRegistry {
  /** Where the images are read. */
  host: string;
  /** The hosts an image may name for it: a stand-in also answers for the environment's ECR host. */
  names: string[];
  /** The environment's ECR host. */
  ecr: string;
  /** A stand-in registry (plain HTTP, no login) rather than ECR. */
  standIn: boolean;
  /** An emulator environment without a stand-in: nothing holds the images' bytes. */
  unreadable: boolean;
}

/** Where the environment's images are: its ECR, or for an emulator environment the stand-in registry given. */
export function ourRegistry(env: EnvironmentConfig, settings: PreflightSettings): OurRegistry {
  const given = settings.registry;
  const ecr = ecrRegistry(env);
  if (given === undefined) return { host: ecr, names: [ecr], ecr, standIn: false, unreadable: !!env.aws.endpoint };
  if (!env.aws.endpoint) {
    throw userError(
      "ecs.registry-override",
      `--registry ${given}: environment ${env.name} is not an emulator environment; its images are in ${ecr}`,
      "Leave --registry out: a real environment's images are always read from its own ECR.",
    );
  }
  if (!/^(127(\.\d{1,3}){3}|localhost|\[::1\]|[a-z][a-z0-9-]*)(:\d{1,5})?$/i.test(given)) {
    throw userError(
      "ecs.registry-override",
      `--registry: found "${given}", expected host[:port] of a registry on this machine (127.0.0.1:5000) or bound beside the step (registry:5000)`,
      "Pass the stand-in registry publish pushed to (push-images --registry).",
    );
  }
  return { host: given, names: [given, ecr], ecr, standIn: true, unreadable: false };
}

async function imageChecks(
  aws: PreflightAws,
  target: PreflightTarget,
  settings: PreflightSettings,
): Promise<PreflightCheck[]> {
  const ours = ourRegistry(target.env, settings);
  const registry = settings.registryClient ?? skopeoClient();
  const architecture = ociArchitecture(target.cpuArchitecture);
  const inRegistry = target.images.filter((i) => ours.names.includes(splitImage(i).host));
  const readable = !ours.unreadable && inRegistry.length > 0;
  const creds = readable && !ours.standIn ? await ecrAuthorization(aws.ecr, target.env) : undefined;
  return withAuthFile(creds, async (authFile) => {
    const access: RegistryAccess = { authFile, tlsVerify: !ours.standIn };
    const out: PreflightCheck[] = [];
    for (const image of [...new Set(target.images)]) {
      out.push(...(await oneImage(image, { target, settings, ours, registry, access, architecture })));
    }
    return out;
  });
}

interface ImageContext {
  target: PreflightTarget;
  settings: PreflightSettings;
  ours: OurRegistry;
  registry: RegistryClient;
  access: RegistryAccess;
  architecture: string;
}

type Add = (check: PreflightCheckName, status: PreflightStatus, detail: string, hint?: string) => void;

async function oneImage(image: string, c: ImageContext): Promise<PreflightCheck[]> {
  const split = splitImage(image);
  const checks: PreflightCheck[] = [];
  const add: Add = (check, status, detail, hint) =>
    checks.push({ check, status, subject: image, detail, ...(hint ? { hint } : {}) });
  if (c.target.gates.repository) repositoryCheck(split, c, add);
  const inRegistry = c.ours.names.includes(split.host);
  const unread = !inRegistry
    ? `not checked: ${split.host} is not the environment's registry ${c.ours.host}, and the deployer holds no login for it`
    : c.ours.unreadable
      ? `not checked: ${c.target.env.name} is an emulator environment whose ECR holds no image layers, and no stand-in registry was given (--registry)`
      : undefined;
  if (unread) {
    add("manifest", "skipped", unread);
    if (!c.target.gates.scan) return checks;
    if (inRegistry) add("scan", "skipped", unread);
    // Publish attaches attestations only in the environment's registry: a foreign image has none.
    else if (c.settings.allowUnscanned) add("scan", "bypassed", `${unread} (--allow-unscanned)`);
    else
      add(
        "scan",
        "failed",
        `no scan attestation: publish attaches them only in ${c.ours.host}`,
        "A foreign image was never through the scan gate: pass --allow-unscanned as well to deploy it unscanned (loudly, recorded).",
      );
    return checks;
  }
  // Read where the bytes are: a stand-in registry answers for the ECR host an image may name.
  await registryChecks({ registry: c.ours.host, repository: split.repository, reference: split.reference }, c, add);
  return checks;
}

function repositoryCheck(split: SplitImage, c: ImageContext, add: Add): void {
  const repo = c.target.cfg.ecrRepository;
  const expected = c.ours.standIn
    ? `${c.ours.host}/${repo} (standing in for ${c.ours.ecr}/${repo})`
    : `${c.ours.host}/${repo}`;
  if (c.ours.names.includes(split.host) && split.repository === repo) {
    add("repository", "passed", `in ${expected}, the service's configured repository`);
    return;
  }
  const detail = `${split.host}/${split.repository} is not ${expected}, the repository environments/${c.target.env.name}.json configures for ${c.target.cfg.name}`;
  if (c.settings.allowForeignImage) add("repository", "bypassed", `${detail} (--allow-foreign-image)`);
  else
    add(
      "repository",
      "failed",
      detail,
      `Deploy an image publish pushed to ${expected}, by digest; or pass --allow-foreign-image to deploy this one anyway (loudly, recorded in the report).`,
    );
}

/** The manifest for the task's architecture, then (deploy) the scan attestations of that digest. */
async function registryChecks(ref: ImageRef, c: ImageContext, add: Add): Promise<void> {
  const manifest = await checkManifest(c.registry, ref, c.access, c.architecture);
  const verdict = manifest.verdict;
  if (verdict.ok) add("manifest", "passed", verdict.detail);
  else add("manifest", "failed", verdict.detail, verdict.hint);
  if (!c.target.gates.scan) return;
  if (!manifest.found) {
    add("scan", "skipped", "not checked: the image does not exist");
    return;
  }
  const scan = await checkAttested(c.registry, ref, c.access, manifest.found);
  if (scan.ok) add("scan", "passed", scan.detail);
  else if (c.settings.allowUnscanned) add("scan", "bypassed", `${scan.detail} (--allow-unscanned)`);
  else add("scan", "failed", scan.detail, scan.hint);
}

/** The role exists in the environment's account (IAM GetRole). */
async function roleCheck(iam: PreflightAws["iam"], arn: string, env: EnvironmentConfig): Promise<PreflightCheck> {
  const role = (status: PreflightStatus, detail: string, hint?: string): PreflightCheck => ({
    check: "roles",
    status,
    subject: arn,
    detail,
    ...(hint ? { hint } : {}),
  });
  const parsed = parseRoleArn(arn);
  if (!parsed?.name)
    return role("failed", `${arn} is not an IAM role ARN`, "Fix the role ARN in the task definition (Terraform).");
  const { account, name } = parsed;
  if (account !== env.aws.accountId) {
    return role(
      "failed",
      `${arn} is in account ${account}, not ${env.name}'s ${env.aws.accountId}`,
      "Tasks assume roles of their own account: fix the role ARN in the task definition (Terraform).",
    );
  }
  try {
    await iam.getRole({ RoleName: name });
    return role("passed", `role ${name} exists`);
  } catch (err) {
    if (err instanceof Error && /^NoSuchEntity/.test(err.name)) {
      return role(
        "failed",
        `role ${name} does not exist in account ${env.aws.accountId}`,
        "Apply the platform's Terraform (it creates the task and execution roles), or fix the role ARN in the task definition.",
      );
    }
    throw awsError(
      `read role ${arn} for the pre-flight checks (nothing was changed)`,
      err,
      "The deploy role needs iam:GetRole on the task and execution roles.",
    );
  }
}

/** What pre-flight needs from a revision: its roles, architecture and the deployer's containers' images. */
export function revisionTarget(
  input: TaskDefinitionInput,
  env: EnvironmentConfig,
  cfg: ServiceConfig,
  gates: PreflightTarget["gates"],
): PreflightTarget {
  const images = (input.containerDefinitions ?? [])
    .filter((d) => cfg.ecs.containers.includes(d.name ?? ""))
    .flatMap((d) => (d.image ? [d.image] : []));
  return {
    env,
    cfg,
    images,
    cpuArchitecture: input.runtimePlatform?.cpuArchitecture,
    roles: [input.taskRoleArn, input.executionRoleArn].filter((r): r is string => !!r),
    gates,
  };
}
