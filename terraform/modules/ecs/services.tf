locals {
  namespace   = aws_service_discovery_private_dns_namespace.this.name
  gateway_url = "http://bedrock-gateway.${local.namespace}:${var.services["bedrock-gateway"].port}/api/v1"
  mcpo_url    = "http://mcpo.${local.namespace}:${var.services["mcpo"].port}"

  environment = {
    "open-webui" = {
      OPENAI_API_BASE_URL     = local.gateway_url
      TOOL_SERVER_CONNECTIONS = jsonencode([{ url = local.mcpo_url, path = "openapi.json", auth_type = "none" }])
      ENABLE_OLLAMA_API       = "false"
      PORT                    = tostring(var.services["open-webui"].port)
    }
    "bedrock-gateway" = {
      AWS_REGION                    = var.region
      DEFAULT_MODEL                 = "anthropic.claude-3-sonnet-20240229-v1:0"
      ENABLE_CROSS_REGION_INFERENCE = "true"
    }
    "mcpo" = {}
  }

  secrets = {
    "open-webui"      = { OPENAI_API_KEY = var.secret_arns["gateway_api_key"], WEBUI_SECRET_KEY = var.secret_arns["webui_secret_key"] }
    "bedrock-gateway" = { API_KEY = var.secret_arns["gateway_api_key"] }
    "mcpo"            = {}
  }

  # Container health checks (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html):
  # every `interval` seconds ECS runs the command in the container; exit 0 is a pass, and
  # `retries` failures in a row (each failing after `timeout` seconds at most) make the
  # container UNHEALTHY. Failures within `startPeriod` do not count, but a pass in it makes the
  # container HEALTHY. A task is HEALTHY when all its essential containers are; ECS replaces a
  # service's UNHEALTHY tasks, and the deployer requires the new revision's containers HEALTHY
  # (src/ecs/container-health.ts). The probe is Python's standard library because all three
  # images are Python images (python:3.x-slim bases); urlopen raises on a refused connection,
  # a timeout or an HTTP status of 400 or more, which exits 1. It times out before ECS does.
  start_periods = { "open-webui" = 300, "bedrock-gateway" = 60, "mcpo" = 120 }
  health_checks = {
    for name, path in var.health_check_paths : name => {
      command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${var.services[name].port}${path}', timeout=4)"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = lookup(local.start_periods, name, 60)
    } if contains(keys(var.services), name)
  }

  commands = {
    "open-webui"      = null
    "bedrock-gateway" = null
    "mcpo"            = length(var.mcpo_config) == 0 ? null : concat(["mcpo", "--host", "0.0.0.0", "--port", tostring(var.services["mcpo"].port)], var.mcpo_config)
  }
}

resource "aws_ecs_task_definition" "this" {
  for_each                 = var.services
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task[each.key].arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = lookup(var.cpu_architectures, each.key, "X86_64")
  }

  # One owner per thing: Terraform owns this definition except the image. The deployer renders
  # each new revision from the newest revision carrying this tag (src/ecs/ownership.ts),
  # swapping only the image, so a change made here reaches the service in the next deploy.
  tags = { "ecs-pipeline:managed-by" = "terraform" }

  # A change here registers a new revision; keep the old one ACTIVE (the provider deregisters
  # it by default), because a service may still run it and ECS refuses UpdateService to an
  # INACTIVE revision, which a failed deploy's restore needs
  # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterTaskDefinition.html).
  skip_destroy = true

  # The deployer records its history on the revisions it runs (ecs-pipeline:status...); those
  # tags are not Terraform's to remove.
  lifecycle {
    ignore_changes = [tags, tags_all]
  }

  # The health check is merged in only for a service with a configured path.
  container_definitions = jsonencode([merge({
    name                   = each.key
    image                  = var.images[each.key]
    essential              = true
    readonlyRootFilesystem = false
    command                = local.commands[each.key]
    portMappings           = [{ containerPort = each.value.port, protocol = "tcp" }]
    environment            = [for k, v in local.environment[each.key] : { name = k, value = v }]
    secrets                = [for k, arn in local.secrets[each.key] : { name = k, valueFrom = arn }]
    mountPoints            = each.key == "open-webui" ? [{ sourceVolume = "data", containerPath = "/app/backend/data", readOnly = false }] : []
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
  }, { for name, check in local.health_checks : "healthCheck" => check if name == each.key })])

  dynamic "volume" {
    for_each = each.key == "open-webui" ? [1] : []
    content {
      name = "data"
      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.webui.id
        transit_encryption = "ENABLED"
        authorization_config {
          access_point_id = aws_efs_access_point.webui.id
          iam             = "ENABLED"
        }
      }
    }
  }
}

resource "aws_ecs_service" "this" {
  for_each               = var.services
  name                   = each.key
  cluster                = aws_ecs_cluster.this.id
  task_definition        = aws_ecs_task_definition.this[each.key].arn
  desired_count          = each.value.desired_count
  launch_type            = "FARGATE"
  enable_execute_command = false
  propagate_tags         = "SERVICE"

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.security_group_ids[replace(each.key == "bedrock-gateway" ? "gateway" : each.key, "-", "_")]]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = each.key == "open-webui" ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  dynamic "service_registries" {
    for_each = contains(keys(aws_service_discovery_service.this), each.key) ? [aws_service_discovery_service.this[each.key].arn] : []
    content {
      registry_arn = service_registries.value
    }
  }

  # The pipeline's deploy registers new task-definition revisions and points the service at
  # them; Terraform owns the first revision and everything else about the service.
  lifecycle {
    ignore_changes = [task_definition]
  }

  depends_on = [aws_efs_mount_target.webui]
}
