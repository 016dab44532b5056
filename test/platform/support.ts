import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runTofu } from "../../src/terraform/tofu.js";
import { motoCredentials } from "../support/moto.js";
import { requireTool } from "../support/tools.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../..");

/** What tofu needs from the host to find a provider: plugin dirs, CLI config, proxies. */
const PASSED_THROUGH = [
  "HOME",
  "TF_CLI_CONFIG_FILE",
  "TF_PLUGIN_CACHE_DIR",
  "XDG_DATA_HOME",
  "XDG_DATA_DIRS",
  "XDG_CONFIG_HOME",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
];

/**
 * Process environment for the core's validate and plan: the toolchain's tofu first on PATH,
 * what OpenTofu reads to find providers, and moto's keys. Never the host's AWS settings.
 */
export function platformVars(): NodeJS.ProcessEnv {
  const tofu = requireTool("tofu");
  const vars: NodeJS.ProcessEnv = { PATH: `${path.dirname(tofu)}:${process.env.PATH ?? ""}`, ...motoCredentials() };
  for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) vars[name] = process.env[name];
  return vars;
}

/** The aws provider's version constraint, as terraform/platform/versions.tf states it. */
export async function awsConstraint(): Promise<string> {
  const text = await readFile(path.join(REPO, "terraform/platform/versions.tf"), "utf8");
  const match = /aws\s*=\s*\{[^}]*?version\s*=\s*"([^"]+)"/s.exec(text);
  if (!match?.[1]) throw new Error("terraform/platform/versions.tf: no version constraint for the aws provider");
  return match[1];
}

/**
 * Fails, saying what is missing and how to provide it, unless OpenTofu can install the
 * hashicorp/aws provider the platform needs: `tofu init -backend=false` of a root that
 * requires nothing else, with the same environment the suite then uses.
 */
export async function requireAwsProvider(vars: NodeJS.ProcessEnv): Promise<void> {
  const constraint = await awsConstraint();
  const probe = await mkdtemp(path.join(tmpdir(), "platform-provider-probe-"));
  await writeFile(
    path.join(probe, "main.tf"),
    `terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws", version = "${constraint}" }\n  }\n}\n`,
  );
  const ctx = { bin: "tofu", cwd: probe, env: vars, dataDir: path.join(probe, ".terraform") };
  const init = await runTofu(ctx, ["init", "-backend=false", "-input=false", "-no-color"], { check: false });
  await rm(probe, { recursive: true, force: true });
  if (init.exitCode === 0) return;
  const said = (init.stderr.trim() || init.stdout.trim()).split("\n").filter((l) => l.trim() !== "");
  throw new Error(providerMissing(constraint, vars, said.slice(-8).join("\n    ")));
}

function providerMissing(constraint: string, vars: NodeJS.ProcessEnv, tofuSaid: string): string {
  const target = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;
  const home = vars.HOME ?? homedir();
  const pluginDir = path.join(home, ".terraform.d/plugins/registry.opentofu.org/hashicorp/aws");
  const config = vars.TF_CLI_CONFIG_FILE;
  const configState =
    config === undefined ? "unset" : `${config}${existsSync(config) ? "" : " (does not exist, so ignored)"}`;
  return [
    `The hashicorp/aws provider (${constraint}) that terraform/platform and terraform/bootstrap need is not available to OpenTofu on this machine,`,
    `so the platform suite cannot validate or plan them. 'tofu init -backend=false' of a root that requires only that provider said:`,
    `    ${tofuSaid}`,
    `Looked in: ${pluginDir} (${versionsIn(pluginDir)}); TF_CLI_CONFIG_FILE ${configState}; the registry registry.opentofu.org.`,
    "Provide the provider in one of these ways, then run `npm run test:platform` again:",
    `  1. plugin directory: put the provider binary at ${pluginDir}/<version>/${target}/terraform-provider-aws_v<version>`,
    `     (or the release zip as ${pluginDir}/terraform-provider-aws_<version>_${target}.zip); note registry.opentofu.org, not registry.terraform.io;`,
    "  2. provider mirror: set TF_CLI_CONFIG_FILE to a CLI configuration whose provider_installation block has a filesystem_mirror",
    "     (a directory made by `tofu providers mirror <dir>` in terraform/platform on a machine with network) or a network_mirror { url = ... };",
    "  3. network: let this machine reach https://registry.opentofu.org (through HTTPS_PROXY if needed).",
  ].join("\n");
}

function versionsIn(dir: string): string {
  if (!existsSync(dir)) return "absent";
  const entries = readdirSync(dir);
  return entries.length ? `holds ${entries.join(", ")}` : "empty";
}

/**
 * A throw-away copy of the repository's Terraform and the local environment's var file:
 * `tofu init` writes a lock file into each root, and .pipeline/ data directories go here too.
 */
export async function copyPlatformRepo(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "platform-suite-"));
  await cp(path.join(REPO, "terraform"), path.join(root, "terraform"), {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes(".terraform"),
  });
  await mkdir(path.join(root, "environments"));
  await cp(path.join(REPO, "environments/local.tfvars"), path.join(root, "environments/local.tfvars"));
  return root;
}
