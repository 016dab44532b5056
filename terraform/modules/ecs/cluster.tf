resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# Private DNS (<service>.<name>.internal) through which Open WebUI reaches the gateway and mcpo.
resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = "${var.name}.internal"
  description = "Service discovery for ${var.name}"
  vpc         = var.vpc_id
}

resource "aws_service_discovery_service" "this" {
  for_each = toset(["bedrock-gateway", "mcpo"])
  name     = each.value

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  health_check_custom_config {
    failure_threshold = 1
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = var.services
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_efs_file_system" "webui" {
  creation_token = "${var.name}-open-webui"
  encrypted      = true
  kms_key_id     = var.kms_key_arn
  tags           = { Name = "${var.name}-open-webui-data" }
}

resource "aws_efs_backup_policy" "webui" {
  file_system_id = aws_efs_file_system.webui.id
  backup_policy {
    status = "ENABLED"
  }
}

resource "aws_efs_mount_target" "webui" {
  count           = length(var.private_subnet_ids)
  file_system_id  = aws_efs_file_system.webui.id
  subnet_id       = var.private_subnet_ids[count.index]
  security_groups = [var.security_group_ids["efs"]]
}

resource "aws_efs_access_point" "webui" {
  file_system_id = aws_efs_file_system.webui.id
  posix_user {
    uid = 0
    gid = 0
  }
  root_directory {
    path = "/open-webui"
    creation_info {
      owner_uid   = 0
      owner_gid   = 0
      permissions = "0750"
    }
  }
}
