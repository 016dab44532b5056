# Who may talk to whom: the internet reaches only the ALB; the ALB reaches only Open WebUI;
# Open WebUI reaches the gateway and mcpo; nothing else is open inbound.

resource "aws_security_group" "alb" {
  # checkov:skip=CKV2_AWS_5:Attached by the alb and ecs modules, which checkov does not follow across module outputs
  name        = "${var.name}-alb"
  description = "Public load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-alb" }
}

#trivy:ignore:AVD-AWS-0107 The public ALB is the platform's front door; HTTP only redirects to HTTPS when a domain is set.
resource "aws_vpc_security_group_ingress_rule" "alb" {
  # checkov:skip=CKV_AWS_260:Port 80 on the public ALB only redirects to HTTPS when a domain is configured
  for_each          = toset(["80", "443"])
  security_group_id = aws_security_group.alb.id
  description       = "HTTP(S) from the internet on ${each.value}"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
}

resource "aws_vpc_security_group_egress_rule" "alb_to_webui" {
  security_group_id            = aws_security_group.alb.id
  description                  = "ALB to Open WebUI tasks"
  referenced_security_group_id = aws_security_group.open_webui.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.open_webui
  to_port                      = var.service_ports.open_webui
}

resource "aws_security_group" "open_webui" {
  # checkov:skip=CKV2_AWS_5:Attached by the alb and ecs modules, which checkov does not follow across module outputs
  name        = "${var.name}-open-webui"
  description = "Open WebUI tasks: only from the ALB"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-open-webui" }
}

resource "aws_vpc_security_group_ingress_rule" "webui_from_alb" {
  security_group_id            = aws_security_group.open_webui.id
  description                  = "From the ALB only"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.open_webui
  to_port                      = var.service_ports.open_webui
}

resource "aws_security_group" "gateway" {
  # checkov:skip=CKV2_AWS_5:Attached by the alb and ecs modules, which checkov does not follow across module outputs
  name        = "${var.name}-bedrock-gateway"
  description = "Bedrock access gateway tasks: only from Open WebUI"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-bedrock-gateway" }
}

resource "aws_vpc_security_group_ingress_rule" "gateway_from_webui" {
  security_group_id            = aws_security_group.gateway.id
  description                  = "From Open WebUI only"
  referenced_security_group_id = aws_security_group.open_webui.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.gateway
  to_port                      = var.service_ports.gateway
}

resource "aws_security_group" "mcpo" {
  # checkov:skip=CKV2_AWS_5:Attached by the alb and ecs modules, which checkov does not follow across module outputs
  name        = "${var.name}-mcpo"
  description = "MCP proxy tasks: only from Open WebUI"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-mcpo" }
}

resource "aws_vpc_security_group_ingress_rule" "mcpo_from_webui" {
  security_group_id            = aws_security_group.mcpo.id
  description                  = "From Open WebUI only"
  referenced_security_group_id = aws_security_group.open_webui.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.mcpo
  to_port                      = var.service_ports.mcpo
}

resource "aws_security_group" "efs" {
  # checkov:skip=CKV2_AWS_5:Attached by the alb and ecs modules, which checkov does not follow across module outputs
  name        = "${var.name}-efs"
  description = "Open WebUI data volume: NFS from Open WebUI only"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-efs" }
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_webui" {
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from Open WebUI only"
  referenced_security_group_id = aws_security_group.open_webui.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}

# Tasks pull images from ECR, read secrets and call Bedrock through the NAT gateway over HTTPS.
#trivy:ignore:AVD-AWS-0104 HTTPS egress to AWS APIs (ECR, Secrets Manager, Bedrock, CloudWatch) through NAT.
resource "aws_vpc_security_group_egress_rule" "https_out" {
  for_each          = { open_webui = aws_security_group.open_webui.id, gateway = aws_security_group.gateway.id, mcpo = aws_security_group.mcpo.id }
  security_group_id = each.value
  description       = "HTTPS to AWS APIs and upstream MCP servers"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_security_group_egress_rule" "webui_to_gateway" {
  security_group_id            = aws_security_group.open_webui.id
  description                  = "Open WebUI to the Bedrock gateway"
  referenced_security_group_id = aws_security_group.gateway.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.gateway
  to_port                      = var.service_ports.gateway
}

resource "aws_vpc_security_group_egress_rule" "webui_to_mcpo" {
  security_group_id            = aws_security_group.open_webui.id
  description                  = "Open WebUI to the MCP proxy"
  referenced_security_group_id = aws_security_group.mcpo.id
  ip_protocol                  = "tcp"
  from_port                    = var.service_ports.mcpo
  to_port                      = var.service_ports.mcpo
}

resource "aws_vpc_security_group_egress_rule" "webui_to_efs" {
  security_group_id            = aws_security_group.open_webui.id
  description                  = "Open WebUI to its EFS volume"
  referenced_security_group_id = aws_security_group.efs.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}
