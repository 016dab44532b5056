import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { runTofu } from "../../../src/terraform/tofu.js";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** An IAM policy document as JSON (what IAM stores). */
export interface PolicyDocument {
  Version: string;
  Statement: Record<string, unknown>[];
}

export interface RenderedDocuments {
  deploy_trust: PolicyDocument;
  promote_source_trust: PolicyDocument;
  promote_source_policy: PolicyDocument;
}

/**
 * The GitHub OIDC roles' policy documents exactly as Terraform renders them for one
 * environment: a provider-free root calls terraform/modules/github-oidc/documents with the
 * environment's bootstrap var file (environments/<env>.bootstrap.tfvars), passing on what
 * terraform/bootstrap derives from it (the role name prefix and the OIDC provider ARN), and
 * `tofu apply` + `tofu output -json` read the documents back.
 */
export async function renderDocuments(env: string): Promise<RenderedDocuments> {
  const dir = await mkdtemp(path.join(tmpdir(), `oidc-documents-${env}-`));
  try {
    const module = path.join(repoRoot, "terraform/modules/github-oidc");
    await cp(path.join(module, "documents"), path.join(dir, "github-oidc/documents"), { recursive: true });
    await cp(path.join(module, "policies"), path.join(dir, "github-oidc/policies"), { recursive: true });
    await writeFile(path.join(dir, "main.tf"), ROOT);
    const ctx = {
      bin: process.env.TOFU_BIN ?? "tofu",
      cwd: dir,
      env: process.env,
      dataDir: path.join(dir, ".terraform"),
    };
    const varFile = `-var-file=${path.join(repoRoot, "environments", `${env}.bootstrap.tfvars`)}`;
    await runTofu(ctx, ["init", "-input=false", "-no-color"]);
    await runTofu(ctx, ["apply", "-auto-approve", "-input=false", "-no-color", varFile]);
    const out = await runTofu(ctx, ["output", "-json"]);
    const outputs = JSON.parse(out.stdout) as Record<keyof RenderedDocuments, { value: string }>;
    return {
      deploy_trust: JSON.parse(outputs.deploy_trust.value) as PolicyDocument,
      promote_source_trust: JSON.parse(outputs.promote_source_trust.value) as PolicyDocument,
      promote_source_policy: JSON.parse(outputs.promote_source_policy.value) as PolicyDocument,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The inputs terraform/bootstrap declares (variables.tf) and how it calls the module (main.tf).
const ROOT = `
variable "environment" { type = string }
variable "account_id" { type = string }
variable "region" { type = string }
variable "github_repository" { type = string }
variable "promote_to_environments" {
  type    = list(string)
  default = []
}
variable "ecr_repositories" {
  type    = list(string)
  default = ["platform/open-webui", "platform/bedrock-gateway", "platform/mcpo"]
}
variable "state_bucket" { type = string }
variable "state_key" { type = string }
variable "lock_table" {
  type    = string
  default = null
}

module "documents" {
  source                  = "./github-oidc/documents"
  provider_arn            = "arn:aws:iam::\${var.account_id}:oidc-provider/token.actions.githubusercontent.com"
  github_repository       = var.github_repository
  deploy_environment      = var.environment
  promote_to_environments = var.promote_to_environments
  name                    = "platform-\${var.environment}"
  account_id              = var.account_id
  region                  = var.region
  ecr_repositories        = var.ecr_repositories
  state_bucket            = var.state_bucket
  state_key               = var.state_key
  lock_table              = var.lock_table
  state_kms_key_arn       = "arn:aws:kms:\${var.region}:\${var.account_id}:key/00000000-0000-0000-0000-00000000state"
}

output "deploy_trust" { value = module.documents.deploy_trust }
output "promote_source_trust" { value = module.documents.promote_source_trust }
output "promote_source_policy" { value = module.documents.promote_source_policy }
`;
