# Role documents are templates in ./policies (rendered by test/iam too). Every role carries the
# environment's permissions boundary: the deploy role may only create roles that do.

# Execution role: pulls images, writes logs, reads exactly the two secrets.
resource "aws_iam_role" "execution" {
  name                 = "${var.name}-ecs-execution"
  assume_role_policy   = templatefile("${path.module}/policies/tasks-trust.json.tftpl", {})
  permissions_boundary = var.permissions_boundary_arn
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  name = "read-service-secrets"
  role = aws_iam_role.execution.id
  policy = templatefile("${path.module}/policies/execution-secrets.json.tftpl", {
    secret_arns = values(var.secret_arns)
    kms_key_arn = var.kms_key_arn
  })
}

# One task role per service; only the gateway may call Bedrock.
resource "aws_iam_role" "task" {
  for_each             = var.services
  name                 = "${var.name}-${each.key}-task"
  assume_role_policy   = templatefile("${path.module}/policies/tasks-trust.json.tftpl", {})
  permissions_boundary = var.permissions_boundary_arn
}

#trivy:ignore:AVD-AWS-0057 Bedrock list calls do not support resource-level permissions.
resource "aws_iam_role_policy" "gateway_bedrock" {
  name   = "invoke-bedrock"
  role   = aws_iam_role.task["bedrock-gateway"].id
  policy = templatefile("${path.module}/policies/gateway-bedrock.json.tftpl", { model_arns = var.bedrock_model_arns })
}

resource "aws_iam_role_policy" "webui_efs" {
  name = "mount-data-volume"
  role = aws_iam_role.task["open-webui"].id
  policy = templatefile("${path.module}/policies/webui-efs.json.tftpl", {
    file_system_arn  = aws_efs_file_system.webui.arn
    access_point_arn = aws_efs_access_point.webui.arn
  })
}
