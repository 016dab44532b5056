import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "../support/tools.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "..", "..");
const ROOT = path.join(here, "render");

/** An IAM policy document as AWS stores it. */
export interface PolicyDocument {
  Version: string;
  Statement: Statement[];
}

export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface RenderedRole {
  name: string;
  arn: string;
  trust: PolicyDocument;
  /** Inline policies by name. */
  policies: Record<string, PolicyDocument>;
  /** ARNs of AWS managed policies attached. */
  managed: string[];
  /** ARN of the permissions boundary, or null. */
  boundary: string | null;
}

export interface RenderedEnvironment {
  env: string;
  accountId: string;
  region: string;
  name: string;
  state: { bucket: string; key: string; lockTable: string | null; kmsKeyArn: string };
  platformKmsKeyArn: string;
  boundary: { arn: string; policy: PolicyDocument };
  planSubjects: string[];
  roles: Record<string, RenderedRole>;
}

interface RawRole {
  trust: string;
  policies: Record<string, string>;
  managed: string[] | null;
  boundary: string | null;
}

interface Raw {
  account_id: string;
  region: string;
  name: string;
  state: { bucket: string; key: string; lock_table: string | null; kms_key_arn: string };
  platform_kms_key_arn: string;
  boundary: { arn: string; policy: string };
  plan_subjects: string[];
  roles: Record<string, RawRole>;
}

/**
 * Every role document of `env`, rendered by tofu from the templates terraform/ applies, with the
 * values of environments/<env>.bootstrap.tfvars, or of `varFile` (test/iam/render/main.tf; no AWS provider).
 */
export function renderEnvironment(
  env: string,
  varFile = path.join(REPO, "environments", `${env}.bootstrap.tfvars`),
): RenderedEnvironment {
  const tofu = requireTool("tofu");
  const data = mkdtempSync(path.join(tmpdir(), "iam-render-"));
  const vars = { ...process.env, TF_DATA_DIR: data, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" };
  try {
    execFileSync(tofu, [`-chdir=${ROOT}`, "init", "-input=false", "-backend=false", "-no-color"], {
      env: vars,
      stdio: "pipe",
    });
    // -state keeps console's local state (and its lock) out of the source tree, so the test files
    // that render at the same time never meet on one lock.
    const args = [
      `-chdir=${ROOT}`,
      "console",
      `-state=${path.join(data, "terraform.tfstate")}`,
      `-var-file=${varFile}`,
      "-no-color",
    ];
    const out = execFileSync(tofu, args, {
      env: vars,
      input: "jsonencode(local.rendered)\n",
      encoding: "utf8",
    });
    // The rendered value is console's last line; warnings (a variable of the var file this root
    // does not render, a missing CLI config) come before it.
    const value = out.trim().split("\n").at(-1) ?? "";
    return fromRaw(env, JSON.parse(JSON.parse(value) as string) as Raw);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}

function fromRaw(env: string, raw: Raw): RenderedEnvironment {
  const parse = (doc: string, what: string): PolicyDocument => {
    try {
      return JSON.parse(doc) as PolicyDocument;
    } catch (err) {
      throw new Error(`${what} of ${env} is not valid JSON once rendered: ${(err as Error).message}`, { cause: err });
    }
  };
  const roles: Record<string, RenderedRole> = {};
  for (const [name, r] of Object.entries(raw.roles)) {
    roles[name] = {
      name,
      arn: `arn:aws:iam::${raw.account_id}:role/${name}`,
      trust: parse(r.trust, `trust policy of ${name}`),
      policies: Object.fromEntries(Object.entries(r.policies).map(([p, d]) => [p, parse(d, `policy ${p} of ${name}`)])),
      managed: r.managed ?? [],
      boundary: r.boundary,
    };
  }
  return {
    env,
    accountId: raw.account_id,
    region: raw.region,
    name: raw.name,
    state: {
      bucket: raw.state.bucket,
      key: raw.state.key,
      lockTable: raw.state.lock_table,
      kmsKeyArn: raw.state.kms_key_arn,
    },
    platformKmsKeyArn: raw.platform_kms_key_arn,
    boundary: { arn: raw.boundary.arn, policy: parse(raw.boundary.policy, "the permissions boundary") },
    planSubjects: raw.plan_subjects,
    roles,
  };
}

/** The environments that have a bootstrap (real accounts): dev, staging, prod. */
export const BOOTSTRAPPED = ["dev", "staging", "prod"] as const;
