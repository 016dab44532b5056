output "arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "dns_name" {
  description = "DNS name of the ALB (point the domain's alias here)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Hosted zone of the ALB, for alias records."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "Target group Open WebUI registers in."
  value       = aws_lb_target_group.open_webui.arn
}

output "url" {
  description = "Base URL the platform answers on."
  value       = "${var.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}
