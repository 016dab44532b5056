locals {
  name = "platform-${var.environment}"
  # Created by terraform/bootstrap; the deploy role may only create roles that carry it.
  permissions_boundary_arn = "arn:aws:iam::${var.account_id}:policy/${local.name}-boundary"
}

data "aws_caller_identity" "current" {}

# One customer-managed key for logs, images, secrets and the data volume of this environment.
resource "aws_kms_key" "platform" {
  description             = "Encrypts ${local.name} logs, images, secrets and data"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "platform" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.platform.key_id
}

data "aws_iam_policy_document" "kms" {
  # checkov:skip=CKV_AWS_111:A key policy's resource "*" means this key; the account root administers it as in AWS's default key policy
  # checkov:skip=CKV_AWS_356:A key policy's resource "*" means this key
  # checkov:skip=CKV_AWS_109:The account root administers its own key, as in AWS's default key policy
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogsUse"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

module "network" {
  source                   = "../modules/network"
  name                     = local.name
  cidr_block               = var.vpc_cidr
  availability_zones       = var.availability_zones
  single_nat_gateway       = var.single_nat_gateway
  kms_key_arn              = aws_kms_key.platform.arn
  flow_log_retention_days  = var.log_retention_days
  permissions_boundary_arn = local.permissions_boundary_arn
  service_ports = {
    open_webui = var.services["open-webui"].port
    gateway    = var.services["bedrock-gateway"].port
    mcpo       = var.services["mcpo"].port
  }
}

module "alb" {
  source              = "../modules/alb"
  name                = local.name
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.public_subnet_ids
  security_group_id   = module.network.security_group_ids["alb"]
  target_port         = var.services["open-webui"].port
  health_check_path   = lookup(var.health_check_paths, "open-webui", "/")
  https               = var.domain != null || var.certificate_arn != null
  certificate_arn     = var.domain != null ? module.domain[0].certificate_arn : var.certificate_arn
  access_logs_bucket  = var.alb_access_logs_bucket
  deletion_protection = var.alb_deletion_protection
  waf_acl_arn         = var.waf_acl_arn
}

module "domain" {
  source       = "../modules/domain"
  count        = var.domain == null ? 0 : 1
  domain_name  = var.domain.name
  zone_id      = var.domain.zone_id
  alb_dns_name = module.alb.dns_name
  alb_zone_id  = module.alb.zone_id
}

# The ECR repositories moved to terraform/bootstrap: the first publish needs them before the
# platform exists. Forget them here without destroying them (import them into the bootstrap
# state; README "First run").
removed {
  from = module.ecr
  lifecycle {
    destroy = false
  }
}

module "secrets" {
  source               = "../modules/secrets"
  name                 = local.name
  kms_key_arn          = aws_kms_key.platform.arn
  recovery_window_days = var.secret_recovery_window_days
}

module "ecs" {
  source                   = "../modules/ecs"
  name                     = local.name
  region                   = var.region
  vpc_id                   = module.network.vpc_id
  private_subnet_ids       = module.network.private_subnet_ids
  security_group_ids       = module.network.security_group_ids
  target_group_arn         = module.alb.target_group_arn
  kms_key_arn              = aws_kms_key.platform.arn
  secret_arns              = module.secrets.arns
  services                 = var.services
  log_retention_days       = var.log_retention_days
  bedrock_model_arns       = var.bedrock_model_arns
  mcpo_config              = var.mcpo_config
  permissions_boundary_arn = local.permissions_boundary_arn
  images                   = var.images
  cpu_architectures        = var.cpu_architectures
  health_check_paths       = var.health_check_paths
}
