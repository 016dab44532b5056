output "arns" {
  description = "Secret ARN by key: gateway_api_key, webui_secret_key."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}
