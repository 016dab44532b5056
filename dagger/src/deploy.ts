/**
 * Container glue for deployService and rollback: the core CLI's `deploy-service` and
 * `rollback` verbs run in the core toolbox with credentials as secret variables. The core
 * decides everything (guard, diff, rollout, health, restore); this file only builds argv.
 */
import { ReturnType, type Directory } from "@dagger.io/dagger";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { CORE_CLI, everyCall } from "./containers.js";
import { STAND_IN_HOST, STAND_IN_PORT } from "./images.js";
import { promoter } from "./promotion.js";

/** How deployService and rollback present their result (`--format json`). */
export enum OutputFormat {
  /** The report a person reads. */
  Text = "text",
  /** The result as JSON, for scripts. */
  Json = "json",
}

/** What both verbs take besides credentials. */
export interface EcsVerbOptions {
  env: string;
  service: string;
  confirm?: string;
  dryRun: boolean;
  format: OutputFormat;
  timeoutSeconds?: number;
  healthUrl?: string;
  keepRevisions?: number;
  roleArn?: string;
}

function common(o: EcsVerbOptions): string[] {
  const args = ["--env", o.env, "--service", o.service];
  if (o.confirm) args.push("--confirm", o.confirm);
  if (o.dryRun) args.push("--dry-run");
  // The core CLI's `--json` is its convention for every verb; only the module's argument was renamed.
  if (o.format === OutputFormat.Json) args.push("--json");
  if (o.timeoutSeconds !== undefined) args.push("--timeout-seconds", String(o.timeoutSeconds));
  if (o.healthUrl) args.push("--health-url", o.healthUrl);
  if (o.keepRevisions !== undefined) args.push("--keep-revisions", String(o.keepRevisions));
  if (o.roleArn) args.push("--role-arn", o.roleArn);
  return args;
}

/** Pre-flight's bypasses: each is printed as a warning and recorded in the report. */
export interface PreflightBypass {
  allowForeignImage?: boolean;
  allowUnscanned?: boolean;
}

export function deployServiceArgs(o: EcsVerbOptions & PreflightBypass & { image: string }): string[] {
  const args = [...CORE_CLI, "deploy-service", ...common(o), "--image", o.image];
  if (o.allowForeignImage) args.push("--allow-foreign-image");
  if (o.allowUnscanned) args.push("--allow-unscanned");
  return args;
}

export function rollbackArgs(o: EcsVerbOptions & { revision?: string; allowUnchecked?: boolean }): string[] {
  return [
    ...CORE_CLI,
    "rollback",
    ...common(o),
    ...(o.revision ? ["--revision", o.revision] : []),
    ...(o.allowUnchecked ? ["--allow-unchecked"] : []),
  ];
}

/** The core's status verb: read-only, for an environment or one service. */
export function statusArgs(o: { env: string; service?: string; depth?: number; format: OutputFormat }): string[] {
  const args = [...CORE_CLI, "status", "--env", o.env];
  if (o.service) args.push("--service", o.service);
  if (o.depth !== undefined) args.push("--depth", String(o.depth));
  if (o.format === OutputFormat.Json) args.push("--json");
  return args;
}

/** What one run of a verb printed, and its exit code (0 done, 1 restored, 5 NOT restored, 2 and 3 before any change). */
export interface EcsVerbRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one verb whatever its exit code, in the core toolbox with skopeo. The identity goes in as every AWS step gets it
 * (aws.ts): on GitHub Actions the core fetches a fresh JWT whenever it re-assumes the role,
 * so a rollout wait can outlive the minutes-long token. Progress (stderr) goes to the log.
 */
export async function runEcsVerbRaw(
  source: Directory,
  args: string[],
  identity: BaseIdentity,
  o: { standInRegistry?: boolean } = {},
): Promise<EcsVerbRun> {
  // skopeo: pre-flight reads the image's manifest and scan attestations in the registry.
  let container = withAwsIdentity(everyCall(promoter(source)), identity);
  // The local rehearsal's registry standing in for ECR, where publish pushed in this same call.
  const standIn = o.standInRegistry ? identity.emulator?.registry : undefined;
  if (standIn) {
    container = container.withServiceBinding(STAND_IN_HOST, standIn);
    args = [...args, "--registry", `${STAND_IN_HOST}:${STAND_IN_PORT}`];
  }
  const ran = container.withExec(args, { expect: ReturnType.Any });
  const [code, stdout, stderr] = await Promise.all([ran.exitCode(), ran.stdout(), ran.stderr()]);
  console.error(stderr);
  return { code, stdout, stderr };
}

/**
 * Runs one verb and returns its report. A failed deploy or rollback throws with the report
 * and the end of the progress log, so the CI job fails and shows why.
 */
export async function runEcsVerb(source: Directory, args: string[], identity: BaseIdentity): Promise<string> {
  const { code, stdout, stderr } = await runEcsVerbRaw(source, args, identity);
  if (code !== 0) {
    const tail = stderr.trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(`${args[2]} exited ${code}\n${stdout.trimEnd()}\n--- last progress lines ---\n${tail}`);
  }
  return stdout;
}
