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

locals {
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
