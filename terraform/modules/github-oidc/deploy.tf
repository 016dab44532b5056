# The deploy role runs `apply` of the platform root and the pipeline's `deploy`. It lives in
# the bootstrap root (applied by an administrator) and may never edit itself. Where an
# API supports resource-level permissions the statement is scoped to this environment's
# name prefix; the rest are limited to the services the platform uses.
resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  assume_role_policy   = module.documents.deploy_trust
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "deploy_read_only" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "deploy_state" {
  name   = "read-state-and-lock"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.state.json
}

#trivy:ignore:AVD-AWS-0057 Creating VPCs, load balancers, clusters and file systems has no resource-level scoping before the resource exists.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "WriteState"
    actions   = ["s3:PutObject"]
    resources = ["${local.state_arn}/${var.state_key}"]
  }
  statement {
    sid = "PlatformServices"
    actions = [
      "ec2:*Vpc*", "ec2:*Subnet*", "ec2:*Route*", "ec2:*InternetGateway*", "ec2:*NatGateway*",
      "ec2:*SecurityGroup*", "ec2:*Address*", "ec2:*FlowLogs*", "ec2:CreateTags", "ec2:DeleteTags",
      "elasticloadbalancing:*", "ecs:*", "servicediscovery:*", "elasticfilesystem:*",
      "route53:ChangeResourceRecordSets", "route53:GetChange", "route53:CreateHostedZone",
      "route53:DeleteHostedZone", "route53:AssociateVPCWithHostedZone",
      "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
      "kms:CreateKey", "kms:TagResource", "kms:EnableKeyRotation", "kms:PutKeyPolicy",
      "kms:CreateAlias", "kms:DeleteAlias", "kms:ScheduleKeyDeletion", "kms:Decrypt",
      "kms:Encrypt", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:UpdateKeyDescription",
      "acm:RequestCertificate", "acm:DeleteCertificate", "acm:AddTagsToCertificate",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:*"]
    resources = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:/ecs/${var.name}/*", "arn:aws:logs:${var.region}:${var.account_id}:log-group:/vpc/${var.name}/*"]
  }
  statement {
    sid       = "Images"
    actions   = ["ecr:*"]
    resources = local.ecr_arns
  }
  statement {
    sid       = "ImageLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "Secrets"
    actions   = ["secretsmanager:*"]
    resources = ["arn:aws:secretsmanager:${var.region}:${var.account_id}:secret:${var.name}/*"]
  }
  statement {
    sid       = "SecretPasswords"
    actions   = ["secretsmanager:GetRandomPassword"]
    resources = ["*"]
  }
  statement {
    sid = "OwnRoles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:GetRolePolicy",
      "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:CreateServiceLinkedRole",
    ]
    resources = ["arn:aws:iam::${var.account_id}:role/${var.name}-*", "arn:aws:iam::${var.account_id}:role/aws-service-role/*"]
  }
  statement {
    sid       = "NeverEditOwnIdentity"
    effect    = "Deny"
    actions   = ["iam:*"]
    resources = concat(local.own_roles, ["arn:aws:iam::${var.account_id}:oidc-provider/${local.issuer}"])
  }
  statement {
    sid       = "PassFlowLogRole"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::${var.account_id}:role/${var.name}-vpc-flow-logs"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["vpc-flow-logs.amazonaws.com"]
    }
  }
  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = local.passable_roles
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "apply-and-deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
