output "plan_role_arn" {
  description = "Read-only role for plans (environments/<env>.json aws.roles.plan)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Role for apply and deploy (aws.roles.apply / aws.roles.deploy)."
  value       = aws_iam_role.deploy.arn
}
