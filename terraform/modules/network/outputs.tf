output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "public_subnet_ids" {
  description = "The two public subnets (ALB, NAT)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "The two private subnets (tasks, EFS mount targets)."
  value       = aws_subnet.private[*].id
}

output "security_group_ids" {
  description = "Security groups by role: alb, open_webui, gateway, mcpo, efs."
  value = {
    alb        = aws_security_group.alb.id
    open_webui = aws_security_group.open_webui.id
    gateway    = aws_security_group.gateway.id
    mcpo       = aws_security_group.mcpo.id
    efs        = aws_security_group.efs.id
  }
}
