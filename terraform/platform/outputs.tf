output "url" {
  description = "Where Open WebUI answers."
  value       = var.domain != null ? module.domain[0].url : module.alb.url
}

output "cluster_name" {
  description = "ECS cluster (environments/<env>.json services[].ecs.cluster)."
  value       = module.ecs.cluster_name
}

output "service_names" {
  description = "ECS service by service key."
  value       = module.ecs.service_names
}

output "namespace" {
  description = "Cloud Map namespace of the private services."
  value       = module.ecs.namespace
}
