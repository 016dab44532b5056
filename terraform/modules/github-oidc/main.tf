locals {
  issuer       = "token.actions.githubusercontent.com"
  provider_arn = var.create_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:aws:iam::${var.account_id}:oidc-provider/${local.issuer}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_provider ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

# Every document these roles carry is a template in ./policies, rendered by ./documents without
# the AWS provider so the tests (test/iam, test/integration/iam) evaluate exactly what is applied.
module "documents" {
  source                        = "./documents"
  provider_arn                  = local.provider_arn
  github_repository             = var.github_repository
  deploy_environment            = var.deploy_environment
  promote_to_environments       = var.promote_to_environments
  name                          = var.name
  account_id                    = var.account_id
  region                        = var.region
  ecr_repositories              = var.ecr_repositories
  default_branch                = var.default_branch
  pull_request_plan_environment = var.pull_request_plan_environment
  state_bucket                  = var.state_bucket
  state_key                     = var.state_key
  lock_table                    = var.lock_table
  state_kms_key_arn             = var.state_kms_key_arn
}

# Plan: refresh the platform's resources, read state and take the lock. Trusted by jobs in the
# environment's GitHub Environment, the default branch (drift) and pull requests (or, for a
# protected environment, only pull-request jobs in a reviewed GitHub Environment).
resource "aws_iam_role" "plan" {
  name                 = "${var.name}-plan"
  assume_role_policy   = module.documents.plan_trust
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "read-state-and-lock"
  role   = aws_iam_role.plan.id
  policy = module.documents.state
}

resource "aws_iam_role_policy" "plan_read" {
  name   = "refresh-the-platform"
  role   = aws_iam_role.plan.id
  policy = module.documents.plan_read
}
