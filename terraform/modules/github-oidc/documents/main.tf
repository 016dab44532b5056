# The policy documents of the GitHub OIDC roles, rendered from the templates in ../policies.
# No provider: a test renders exactly these documents with tofu (test/integration/iam), with an
# environment's bootstrap inputs, and evaluates them with an IAM policy engine.
terraform {
  required_version = ">= 1.11.0"
}

variable "provider_arn" {
  description = "ARN of the account's GitHub OIDC provider."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows may assume the roles."
  type        = string
}

variable "deploy_environment" {
  description = "GitHub Environment whose jobs may assume the deploy role."
  type        = string
}

variable "promote_to_environments" {
  description = "GitHub Environments whose jobs may assume the pull-only promote-source role."
  type        = list(string)
  default     = []
}

variable "name" {
  description = "Name prefix of the environment's resources, e.g. platform-staging."
  type        = string
}

variable "account_id" {
  description = "Account the roles live in."
  type        = string
}

variable "region" {
  description = "Region of the platform."
  type        = string
}

variable "ecr_repositories" {
  description = "Names of the environment's ECR repositories."
  type        = list(string)
}

variable "default_branch" {
  description = "Protected default branch: its scheduled drift check plans every environment."
  type        = string
  default     = "main"
}

variable "pull_request_plan_environment" {
  description = "GitHub Environment pull-request plans must run in (reviewers approve there), or null to trust every pull request of the repository."
  type        = string
  default     = null
}

variable "state_bucket" {
  description = "S3 bucket holding this environment's state."
  type        = string
}

variable "state_key" {
  description = "Key of this environment's state object."
  type        = string
}

variable "lock_table" {
  description = "DynamoDB lock table, or null when the S3 lockfile is used."
  type        = string
  default     = null
}

variable "state_kms_key_arn" {
  description = "KMS key encrypting the state bucket and the lock table."
  type        = string
}

locals {
  boundary_arn = "arn:aws:iam::${var.account_id}:policy/${var.name}-boundary"
  own_roles    = ["arn:aws:iam::${var.account_id}:role/${var.name}-plan", "arn:aws:iam::${var.account_id}:role/${var.name}-deploy"]
  common = {
    name              = var.name
    environment       = var.deploy_environment
    account_id        = var.account_id
    region            = var.region
    state_bucket      = var.state_bucket
    state_key         = var.state_key
    lock_table        = var.lock_table
    state_kms_key_arn = var.state_kms_key_arn
    ecr_arns          = local.ecr_arns
    boundary_arn      = local.boundary_arn
    own_roles         = local.own_roles
  }
  # GitHub signs the subject; AWS evaluates it for this provider. A job in a GitHub Environment
  # gets repo:<repo>:environment:<name> (protection rules apply there), a push or schedule
  # repo:<repo>:ref:refs/heads/<branch>, a pull request repo:<repo>:pull_request.
  # https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
  environment_subject = local.subject[var.deploy_environment]
  plan_subjects = concat(
    [local.environment_subject, "repo:${var.github_repository}:ref:refs/heads/${var.default_branch}"],
    var.pull_request_plan_environment == null
    ? ["repo:${var.github_repository}:pull_request"]
    : ["repo:${var.github_repository}:environment:${var.pull_request_plan_environment}"],
  )
  # A job in a GitHub Environment gets the subject repo:<owner>/<name>:environment:<env>, and
  # an environment's protection rules (required reviewers, allowed branches) apply before it
  # gets one: https://docs.github.com/actions/reference/openid-connect-reference
  subject  = { for e in distinct(concat([var.deploy_environment], var.promote_to_environments)) : e => "repo:${var.github_repository}:environment:${e}" }
  ecr_arns = [for r in var.ecr_repositories : "arn:aws:ecr:${var.region}:${var.account_id}:repository/${r}"]
}

output "deploy_trust" {
  description = "Trust policy of the deploy role: jobs of the deploy environment only."
  value = templatefile("${path.module}/../policies/trust.json.tftpl", {
    provider_arn = var.provider_arn
    subjects     = [local.subject[var.deploy_environment]]
  })
}

output "promote_source_trust" {
  description = "Trust policy of the promote-source role: jobs of the environments promoted from this one, only."
  value = templatefile("${path.module}/../policies/trust.json.tftpl", {
    provider_arn = var.provider_arn
    subjects     = [for e in var.promote_to_environments : local.subject[e]]
  })
}

output "promote_source_policy" {
  description = "Permissions of the promote-source role: read what the services run, pull their images."
  value = templatefile("${path.module}/../policies/promote-source.json.tftpl", {
    account_id = var.account_id
    region     = var.region
    name       = var.name
    ecr_arns   = local.ecr_arns
  })
}

output "boundary_arn" {
  description = "The permissions boundary every role the deploy role creates must carry."
  value       = local.boundary_arn
}

output "plan_subjects" {
  description = "OIDC subjects the plan role trusts."
  value       = local.plan_subjects
}

output "plan_trust" {
  description = "Trust policy of the plan role: the environment's jobs, the default branch, and pull requests (or only those in pull_request_plan_environment)."
  value       = templatefile("${path.module}/../policies/trust.json.tftpl", { provider_arn = var.provider_arn, subjects = local.plan_subjects })
}

output "state" {
  description = "Read the state, take the lock, and the state key through S3 and DynamoDB (plan and deploy roles)."
  value       = templatefile("${path.module}/../policies/state.json.tftpl", local.common)
}

output "plan_read" {
  description = "What a refresh of the platform reads (plan and deploy roles)."
  value       = templatefile("${path.module}/../policies/plan-read.json.tftpl", local.common)
}

output "deploy" {
  description = "Apply and deploy, within this environment, roles only with the boundary."
  value       = templatefile("${path.module}/../policies/deploy.json.tftpl", local.common)
}

output "boundary" {
  description = "Permissions boundary of every role the deploy role creates."
  value       = templatefile("${path.module}/../policies/boundary.json.tftpl", local.common)
}
