locals {
  https = var.https
}

#trivy:ignore:AVD-AWS-0053 The ALB is the public entry point of the platform by design.
resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_28:The WAF web ACL is optional (waf_acl_arn), associated below when an environment sets one
  # checkov:skip=CKV2_AWS_76:The web ACL's rules (Log4j AMR included) belong to the ACL an environment passes in, not to this module
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.subnet_ids
  security_groups            = [var.security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.name
      enabled = true
    }
  }
}

resource "aws_lb_target_group" "open_webui" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; the hop to the task stays inside the private subnets
  name                 = "${var.name}-webui"
  port                 = var.target_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    healthy_threshold   = 2
    unhealthy_threshold = 3
    interval            = 15
  }
}

resource "aws_lb_listener" "https" {
  count             = local.https ? 1 : 0
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  lifecycle {
    precondition {
      condition     = var.certificate_arn != null
      error_message = "https is true but no certificate_arn was given."
    }
  }

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.open_webui.arn
  }
}

# With a certificate, port 80 only redirects to HTTPS; without one (no domain configured)
# it forwards, which is acceptable only for throw-away environments.
#trivy:ignore:AVD-AWS-0054 Plain HTTP forwarding exists only when no certificate is configured; otherwise it redirects.
resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2:Port 80 redirects to HTTPS when a certificate is configured; plain HTTP only without a domain
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.open_webui.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.waf_acl_arn == null ? 0 : 1
  resource_arn = aws_lb.this.arn
  web_acl_arn  = var.waf_acl_arn
}
