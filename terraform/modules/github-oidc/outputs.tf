output "plan_role_arn" {
  description = "Read-only role for plans (environments/<env>.json aws.roles.plan)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Role for apply and deploy (aws.roles.apply / aws.roles.deploy)."
  value       = aws_iam_role.deploy.arn
}

output "promote_source_role_arn" {
  description = "Pull-only role the promoting environments' jobs assume (aws.roles.promote), or null."
  value       = length(aws_iam_role.promote_source) > 0 ? aws_iam_role.promote_source[0].arn : null
}
