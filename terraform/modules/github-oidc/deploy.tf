# The deploy role runs `apply` of the platform root and the pipeline's `deploy`. It lives in
# the bootstrap root (applied by an administrator) and may never edit itself, its boundary or
# a key policy. Resource-level scoping by this environment's name prefix where the API has it,
# by the Environment tag the platform's default_tags put on everything else; every role it
# creates carries the boundary below, which it cannot lift (policies/deploy.json.tftpl).
resource "aws_iam_policy" "boundary" {
  name        = "${var.name}-boundary"
  description = "Permissions boundary of every role the ${var.name} deploy role creates"
  policy      = module.documents.boundary
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  assume_role_policy   = module.documents.deploy_trust
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "deploy_state" {
  name   = "read-state-and-lock"
  role   = aws_iam_role.deploy.id
  policy = module.documents.state
}

resource "aws_iam_role_policy" "deploy_read" {
  name   = "refresh-the-platform"
  role   = aws_iam_role.deploy.id
  policy = module.documents.plan_read
}

resource "aws_iam_role_policy" "deploy" {
  name   = "apply-and-deploy"
  role   = aws_iam_role.deploy.id
  policy = module.documents.deploy
}
