import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CREDENTIAL_ENV, openSession, type AwsSession, type RolePurpose } from "../aws/index.js";
import { serveCredentials, type CredentialEndpoint } from "../aws/credential-server.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { backendConfigArgs, describeBackend } from "./backend.js";
import { computeFingerprint, parseStateIdent, type Fingerprint } from "./fingerprint.js";
import type { TerraformProgress } from "./progress.js";
import { runTofu, type TofuContext } from "./tofu.js";

/**
 * One environment's Terraform working set: where the root is, how tofu runs, as whom. Holds
 * the credential endpoint tofu reads from: open it with `await using`, so it closes.
 */
export interface Workspace extends AsyncDisposable {
  env: EnvironmentConfig;
  repoRoot: string;
  rootDir: string;
  varFile: string;
  lockFile: string;
  tofu: TofuContext;
  session: AwsSession;
  credentials: CredentialEndpoint;
}

export interface OpenWorkspaceOptions {
  env: EnvironmentConfig;
  repoRoot: string;
  /** Process environment: credentials (see src/aws) and PATH. */
  vars: NodeJS.ProcessEnv;
  purpose: RolePurpose;
  tofuBin?: string;
  onProgress?: (event: TerraformProgress) => void;
}

/**
 * Checks the root and var file exist, opens an AWS session for the purpose (which runs the
 * account guard: STS must answer with the environment's account), serves its credentials to
 * tofu on a loopback container-credentials endpoint (refreshed for as long as tofu runs), and
 * prepares a tofu context with a data directory of the environment's own.
 */
export async function openWorkspace(options: OpenWorkspaceOptions): Promise<Workspace> {
  const { env, repoRoot } = options;
  const rootDir = path.resolve(repoRoot, env.terraform.root);
  const varFile = path.resolve(repoRoot, env.terraform.varFile);
  if (!existsSync(rootDir)) {
    throw userError(
      "terraform.no-root",
      `Failed to find the Terraform root of ${env.name}: ${env.terraform.root} does not exist under ${repoRoot}`,
      `Fix terraform.root in environments/${env.name}.json, or run from the repository root.`,
    );
  }
  if (!existsSync(varFile)) {
    throw userError(
      "terraform.no-var-file",
      `Failed to find the var file of ${env.name}: ${env.terraform.varFile} does not exist`,
      `Create it, or fix terraform.varFile in environments/${env.name}.json.`,
    );
  }
  options.onProgress?.({ kind: "step", message: `checking AWS account ${env.aws.accountId} (${options.purpose} role)` });
  const session = await openSession(env, { purpose: options.purpose, vars: options.vars });
  options.onProgress?.({ kind: "step", message: `acting as ${session.identity.arn}` });
  const credentials = await serveCredentials(session.config.credentials);
  const tofuVars: NodeJS.ProcessEnv = {
    ...withoutCredentials(options.vars),
    ...credentials.vars,
    AWS_REGION: env.aws.region,
    AWS_DEFAULT_REGION: env.aws.region,
  };
  // Roots that declare `aws_endpoint` (terraform/platform) point their provider at the
  // emulator; a TF_VAR_ for an undeclared variable is ignored, so other roots are unaffected.
  if (env.aws.endpoint) tofuVars.TF_VAR_aws_endpoint = env.aws.endpoint;
  else delete tofuVars.TF_VAR_aws_endpoint;
  const tofu: TofuContext = {
    bin: options.tofuBin ?? options.vars.TOFU_BIN ?? "tofu",
    cwd: rootDir,
    env: tofuVars,
    dataDir: path.join(repoRoot, ".pipeline", "terraform", env.name),
  };
  const lockFile = path.join(rootDir, ".terraform.lock.hcl");
  return { env, repoRoot, rootDir, varFile, lockFile, tofu, session, credentials, [Symbol.asyncDispose]: credentials.close };
}

/**
 * The process variables without any AWS identity: tofu gets only the endpoint, which hands it
 * the role's credentials and fresh ones when they expire (a one-shot copy of the keys would
 * die with the role session, part-way through a long apply, with the state lock held).
 */
function withoutCredentials(vars: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const identity = new Set<string>([
    ...Object.values(CREDENTIAL_ENV),
    "AWS_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  ]);
  return Object.fromEntries(Object.entries(vars).filter(([k]) => !identity.has(k)));
}

/** `tofu init` against the environment's backend (reconfigured every time: one data dir per env). */
export async function initBackend(ws: Workspace, onProgress?: (e: TerraformProgress) => void): Promise<void> {
  onProgress?.({ kind: "step", message: `tofu init: backend ${describeBackend(ws.env)}` });
  await runTofu(ws.tofu, ["init", "-input=false", "-no-color", "-reconfigure", ...backendConfigArgs(ws.env)], {
    act: `initialise the Terraform backend of ${ws.env.name}`,
  });
}

/** Fingerprint of the current inputs: source (root + local modules), var file, lock file, backend, state. */
export async function currentFingerprint(ws: Workspace, exclude: string[] = []): Promise<Fingerprint> {
  const pulled = await runTofu(ws.tofu, ["state", "pull"], { act: `read the state of ${ws.env.name}` });
  return computeFingerprint({
    repoRoot: ws.repoRoot,
    sourceDirs: [ws.rootDir, ...(await localModuleDirs(ws))],
    varFile: ws.varFile,
    lockFile: ws.lockFile,
    backend: JSON.stringify({ ...ws.env.terraform.backend, endpoint: ws.env.aws.endpoint ?? null }),
    state: parseStateIdent(pulled.stdout),
    exclude: [ws.tofu.dataDir, ...exclude],
  });
}

const modulesManifest = z.object({ Modules: z.array(z.object({ Dir: z.string() })).default([]) });

/** Directories of the modules the root calls, as `tofu init` recorded them. */
async function localModuleDirs(ws: Workspace): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path.join(ws.tofu.dataDir, "modules", "modules.json"), "utf8");
  } catch {
    return [];
  }
  const parsed = modulesManifest.safeParse(JSON.parse(text));
  if (!parsed.success) return [];
  return parsed.data.Modules.map((m) => path.resolve(ws.rootDir, m.Dir));
}
