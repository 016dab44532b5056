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

output "boundary_arn" {
  description = "Permissions boundary of the roles the deploy role creates (terraform/platform permissions_boundary)."
  value       = aws_iam_policy.boundary.arn
}
