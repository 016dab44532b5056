variable "name" {
  description = "Name prefix of the roles, e.g. platform-dev (roles become <name>-plan and <name>-deploy)."
  type        = string
}

variable "create_provider" {
  description = "Create the account's GitHub OIDC provider (only one per account may exist; set false where another root owns it)."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows may assume the roles."
  type        = string
}

variable "deploy_environment" {
  description = "GitHub deployment environment whose jobs may assume the deploy role (protection rules apply there)."
  type        = string
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

variable "account_id" {
  description = "Account the roles live in."
  type        = string
}

variable "region" {
  description = "Region of the platform."
  type        = string
}

variable "ecr_repositories" {
  description = "Names of the ECR repositories the deploy role manages and pushes to."
  type        = list(string)
}

variable "promote_to_environments" {
  description = "GitHub Environments whose deploy jobs promote this environment's images (e.g. [\"prod\"] on staging): they get the pull-only promote-source role."
  type        = list(string)
  default     = []
}

variable "state_kms_key_arn" {
  description = "KMS key encrypting the state bucket and lock table (S3 and DynamoDB call it on the roles' behalf)."
  type        = string
}

variable "default_branch" {
  description = "Protected default branch, whose scheduled drift check plans every environment."
  type        = string
  default     = "main"
}

variable "pull_request_plan_environment" {
  description = "GitHub Environment that pull-request plans of this environment must run in (protect it with required reviewers), or null to trust every pull request."
  type        = string
  default     = null
}
