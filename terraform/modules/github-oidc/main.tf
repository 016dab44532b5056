locals {
  issuer       = "token.actions.githubusercontent.com"
  provider_arn = var.create_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:aws:iam::${var.account_id}:oidc-provider/${local.issuer}"
  state_arn    = "arn:aws:s3:::${var.state_bucket}"
  ecr_arns     = [for r in var.ecr_repositories : "arn:aws:ecr:${var.region}:${var.account_id}:repository/${r}"]
  # The roles the platform root creates for ECS (see modules/ecs/iam.tf), by name.
  passable_roles = ["arn:aws:iam::${var.account_id}:role/${var.name}-ecs-execution", "arn:aws:iam::${var.account_id}:role/${var.name}-*-task"]
  own_roles      = ["arn:aws:iam::${var.account_id}:role/${var.name}-plan", "arn:aws:iam::${var.account_id}:role/${var.name}-deploy"]
  lock_arns      = var.lock_table == null ? [] : ["arn:aws:dynamodb:${var.region}:${var.account_id}:table/${var.lock_table}"]
  # The OIDC subject of jobs running in the deploy environment (protection rules apply there).
  environment_subject = "repo:${var.github_repository}:environment:${var.deploy_environment}"
}

resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_provider ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
}

# A job that runs in a GitHub Environment gets the subject repo:<owner>/<name>:environment:<env>
# instead of the ref one, so the deploy workflow's own plan step needs that subject on the plan
# role too. The deploy role's trust (that subject only) is rendered in documents/.
data "aws_iam_policy_document" "trust" {
  for_each = {
    plan = [
      "repo:${var.github_repository}:pull_request",
      "repo:${var.github_repository}:ref:refs/heads/*",
      local.environment_subject,
    ]
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = each.value
    }
  }
}

# Read-only: refresh every resource, read state, and take the state lock while planning.
resource "aws_iam_role" "plan" {
  name                 = "${var.name}-plan"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "state" {
  statement {
    sid       = "ListState"
    actions   = ["s3:ListBucket"]
    resources = [local.state_arn]
  }
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject"]
    resources = ["${local.state_arn}/${var.state_key}"]
  }
  statement {
    sid       = "S3Lockfile"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.state_arn}/${var.state_key}.tflock"]
  }
  dynamic "statement" {
    for_each = var.lock_table == null ? [] : [1]
    content {
      sid       = "DynamoLock"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable"]
      resources = local.lock_arns
    }
  }
}

resource "aws_iam_role_policy" "plan_state" {
  name   = "read-state-and-lock"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.state.json
}
