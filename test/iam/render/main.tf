# Renders every role document of one environment from the same templates terraform/ applies,
# without the AWS provider: the values come from environments/<env>.bootstrap.tfvars and
# .tfvars; ARNs of resources the platform creates (secrets, the data volume, keys) are the ones
# AWS would give them, with placeholder ids. Used by test/iam/render.ts (tofu console).

variable "environment" { type = string }
variable "account_id" { type = string }
variable "region" { type = string }
variable "state_bucket" { type = string }
variable "state_key" { type = string }
variable "github_repository" { type = string }
variable "lock_table" {
  type    = string
  default = null
}
variable "promote_to_environments" {
  type    = list(string)
  default = []
}
variable "pull_request_plan_environment" {
  type    = string
  default = null
}
variable "ecr_repositories" {
  type    = list(string)
  default = ["platform/open-webui", "platform/bedrock-gateway", "platform/mcpo"]
}
variable "bedrock_model_arns" {
  type    = list(string)
  default = ["arn:aws:bedrock:*::foundation-model/*"]
}

locals {
  name    = "platform-${var.environment}"
  arn     = "arn:aws:%s:${var.region}:${var.account_id}:%s"
  ecs_dir = "${path.module}/../../../terraform/modules/ecs/policies"
  net_dir = "${path.module}/../../../terraform/modules/network/policies"
  # Placeholder ids where AWS generates them.
  state_kms_key_arn    = format(local.arn, "kms", "key/00000000-0000-0000-0000-00000000state")
  platform_kms_key_arn = format(local.arn, "kms", "key/00000000-0000-0000-0000-0000platform")
  file_system_arn      = format(local.arn, "elasticfilesystem", "file-system/fs-0123456789abcdef0")
  secret_arns = [
    format(local.arn, "secretsmanager", "secret:${local.name}/gateway-api-key-AbCdEf"),
    format(local.arn, "secretsmanager", "secret:${local.name}/webui-secret-key-GhIjKl"),
  ]
  tasks_trust = templatefile("${local.ecs_dir}/tasks-trust.json.tftpl", {})
  boundary    = module.oidc.boundary_arn

  roles = {
    "${local.name}-plan" = {
      trust    = module.oidc.plan_trust
      policies = { read-state-and-lock = module.oidc.state, refresh-the-platform = module.oidc.plan_read }
      managed  = []
      boundary = null
    }
    "${local.name}-deploy" = {
      trust = module.oidc.deploy_trust
      policies = {
        read-state-and-lock  = module.oidc.state
        refresh-the-platform = module.oidc.plan_read
        apply-and-deploy     = module.oidc.deploy
      }
      managed  = []
      boundary = null
    }
    "${local.name}-ecs-execution" = {
      trust = local.tasks_trust
      policies = {
        read-service-secrets = templatefile("${local.ecs_dir}/execution-secrets.json.tftpl", { secret_arns = local.secret_arns, kms_key_arn = local.platform_kms_key_arn })
      }
      managed  = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
      boundary = local.boundary
    }
    "${local.name}-bedrock-gateway-task" = {
      trust    = local.tasks_trust
      policies = { invoke-bedrock = templatefile("${local.ecs_dir}/gateway-bedrock.json.tftpl", { model_arns = var.bedrock_model_arns }) }
      managed  = []
      boundary = local.boundary
    }
    "${local.name}-open-webui-task" = {
      trust = local.tasks_trust
      policies = {
        mount-data-volume = templatefile("${local.ecs_dir}/webui-efs.json.tftpl", {
          file_system_arn  = local.file_system_arn
          access_point_arn = format(local.arn, "elasticfilesystem", "access-point/fsap-0123456789abcdef0")
        })
      }
      managed  = []
      boundary = local.boundary
    }
    "${local.name}-promote-source" = length(var.promote_to_environments) == 0 ? null : {
      trust    = module.oidc.promote_source_trust
      policies = { read-and-pull-images = module.oidc.promote_source_policy }
      managed  = []
      boundary = null
    }
    "${local.name}-mcpo-task" = { trust = local.tasks_trust, policies = {}, managed = [], boundary = local.boundary }
    "${local.name}-vpc-flow-logs" = {
      trust    = templatefile("${local.net_dir}/flow-logs-trust.json.tftpl", {})
      policies = { write-flow-logs = templatefile("${local.net_dir}/flow-logs.json.tftpl", { log_group_arn = format(local.arn, "logs", "log-group:/vpc/${local.name}/flow-logs") }) }
      managed  = []
      boundary = local.boundary
    }
  }
  rendered = {
    account_id = var.account_id
    region     = var.region
    name       = local.name
    state = {
      bucket      = var.state_bucket, key = var.state_key, lock_table = var.lock_table
      kms_key_arn = local.state_kms_key_arn
    }
    platform_kms_key_arn = local.platform_kms_key_arn
    boundary             = { arn = local.boundary, policy = module.oidc.boundary }
    plan_subjects        = module.oidc.plan_subjects
    roles                = { for k, v in local.roles : k => v if v != null }
  }
}

module "oidc" {
  source                        = "../../../terraform/modules/github-oidc/documents"
  name                          = local.name
  deploy_environment            = var.environment
  promote_to_environments       = var.promote_to_environments
  account_id                    = var.account_id
  region                        = var.region
  github_repository             = var.github_repository
  pull_request_plan_environment = var.pull_request_plan_environment
  provider_arn                  = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"
  state_bucket                  = var.state_bucket
  state_key                     = var.state_key
  lock_table                    = var.lock_table
  state_kms_key_arn             = local.state_kms_key_arn
  ecr_repositories              = var.ecr_repositories
}
