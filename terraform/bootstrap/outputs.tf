output "state_bucket" {
  description = "State bucket (terraform.backend.bucket)."
  value       = aws_s3_bucket.state.bucket
}

output "lock_table" {
  description = "DynamoDB lock table, or null when the S3 lockfile is used."
  value       = var.lock_table == null ? null : aws_dynamodb_table.lock[0].name
}

output "state_kms_key_arn" {
  description = "KMS key encrypting the state."
  value       = aws_kms_key.state.arn
}

output "ecr_repository_urls" {
  description = "Repository URL by repository name."
  value       = module.ecr.repository_urls
}

output "plan_role_arn" {
  description = "Put in environments/<env>.json as aws.roles.plan."
  value       = module.github_oidc.plan_role_arn
}

output "deploy_role_arn" {
  description = "Put in environments/<env>.json as aws.roles.apply and aws.roles.deploy."
  value       = module.github_oidc.deploy_role_arn
}

output "promote_source_role_arn" {
  description = "Put in environments/<env>.json as aws.roles.promote (null unless promote_to_environments is set)."
  value       = module.github_oidc.promote_source_role_arn
}

output "permissions_boundary_arn" {
  description = "Boundary every role the deploy role creates carries (terraform/platform sets it on its roles)."
  value       = module.github_oidc.boundary_arn
}

output "state_kms_key_alias_arn" {
  description = "Put in environments/<env>.json as terraform.backend.kmsKeyId: the backend then writes the state with this key (without it, OpenTofu asks S3 for S3-managed keys)."
  value       = aws_kms_alias.state.arn
}
