output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "service_names" {
  description = "ECS service name by service key."
  value       = { for k, s in aws_ecs_service.this : k => s.name }
}

output "task_definition_families" {
  description = "Task-definition family by service key."
  value       = { for k, t in aws_ecs_task_definition.this : k => t.family }
}

output "execution_role_arn" {
  description = "Task execution role (deploy must be allowed to pass it)."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Task role ARN by service key (deploy must be allowed to pass them)."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "namespace" {
  description = "Cloud Map namespace the private services answer in."
  value       = aws_service_discovery_private_dns_namespace.this.name
}
