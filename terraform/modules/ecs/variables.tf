variable "name" {
  description = "Name prefix and cluster name, e.g. platform-dev."
  type        = string
}

variable "region" {
  description = "AWS region (for the awslogs driver and Bedrock ARNs)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the Cloud Map namespace."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets the tasks and EFS mount targets run in."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Security groups by role: open_webui, gateway, mcpo, efs."
  type        = map(string)
}

variable "target_group_arn" {
  description = "ALB target group Open WebUI registers in."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for logs, EFS and secrets."
  type        = string
}

variable "secret_arns" {
  description = "Secrets Manager ARNs: gateway_api_key, webui_secret_key."
  type        = map(string)
}

variable "images" {
  description = "Image of each service (open-webui, bedrock-gateway, mcpo) by digest: the one Terraform registered last, or the first publish's (the pipeline passes it)."
  type        = map(string)
}

variable "cpu_architectures" {
  description = "cpu_architecture (X86_64 or ARM64) of each service's runtime platform; default X86_64. The builds follow it."
  type        = map(string)
  default     = {}
}

variable "health_check_paths" {
  description = "HTTP path each service's container health check probes; a service without an entry gets no container health check."
  type        = map(string)
  default     = {}
}

variable "services" {
  description = "Per-service sizing: cpu, memory, desired_count, port."
  type = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    port          = number
  }))

  validation {
    condition     = alltrue([for k in ["open-webui", "bedrock-gateway", "mcpo"] : contains(keys(var.services), k)])
    error_message = "Give sizing for open-webui, bedrock-gateway and mcpo."
  }
}

variable "log_retention_days" {
  description = "Retention of the services' log groups, in days."
  type        = number
  default     = 90
}

variable "bedrock_model_arns" {
  description = "Foundation models and inference profiles the gateway may invoke."
  type        = list(string)
  default     = ["arn:aws:bedrock:*::foundation-model/*"]
}

variable "mcpo_config" {
  description = "Arguments after `mcpo` (e.g. the MCP server command) for the proxy container."
  type        = list(string)
  default     = []
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the execution and task roles (terraform/bootstrap output permissions_boundary_arn)."
  type        = string
}
