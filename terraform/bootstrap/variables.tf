variable "environment" {
  description = "Environment name (dev, staging, prod)."
  type        = string
}

variable "account_id" {
  description = "AWS account of the environment; the provider refuses any other."
  type        = string
}

variable "region" {
  description = "Region of the state bucket and the platform."
  type        = string
}

variable "state_bucket" {
  description = "Name of the state bucket (environments/<env>.json terraform.backend.bucket)."
  type        = string
}

variable "state_key" {
  description = "State object key of the platform root (terraform.backend.key)."
  type        = string
}

variable "lock_table" {
  description = "DynamoDB lock table name (terraform.backend.lockTable), or null to rely on the S3 lockfile."
  type        = string
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days old state versions are kept."
  type        = number
  default     = 365
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows assume the plan and deploy roles."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it already exists in the account)."
  type        = bool
  default     = true
}

variable "ecr_keep_images" {
  description = "Images kept per repository (scan attestations, tagged sha256-<hex>.scan, count too)."
  type        = number
  default     = 30
}

variable "ecr_force_delete" {
  description = "Allow destroying repositories that still hold images."
  type        = bool
  default     = false
}

variable "ecr_repositories" {
  description = "ECR repositories created here (the first publish needs them) and the deploy role may push to; must match environments/<env>.json services[].ecrRepository."
  type        = list(string)
  default     = ["platform/open-webui", "platform/bedrock-gateway", "platform/mcpo"]
}

variable "promote_to_environments" {
  description = "Environments promoted from this one (e.g. [\"prod\"] on staging): their deploy jobs get a pull-only role here."
  type        = list(string)
  default     = []
}

variable "pull_request_plan_environment" {
  description = "GitHub Environment pull-request plans of this environment must run in (protect it with required reviewers; prod uses prod-plan), or null to let every pull request plan it."
  type        = string
  default     = null
}
