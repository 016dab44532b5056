variable "environment" {
  description = "Environment name (dev, staging, prod, local)."
  type        = string
}

variable "account_id" {
  description = "AWS account of the environment; the provider refuses any other."
  type        = string
}

variable "region" {
  description = "AWS region of the platform."
  type        = string
}

variable "aws_endpoint" {
  description = "Send every AWS call to this emulator endpoint; set by the pipeline from aws.endpoint (local only)."
  type        = string
  default     = null
}

variable "availability_zones" {
  description = "The two availability zones the subnets span."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.20.0.0/16"
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per AZ."
  type        = bool
  default     = true
}

variable "domain" {
  description = "Domain to serve HTTPS on: name and Route 53 zone id. The certificate is issued and validated here; null serves plain HTTP (or certificate_arn)."
  type = object({
    name    = string
    zone_id = string
  })
  default = null
}

variable "certificate_arn" {
  description = "An existing ACM certificate for HTTPS, when the domain is managed elsewhere; ignored when domain is set."
  type        = string
  default     = null
}

variable "alb_deletion_protection" {
  description = "Protect the ALB from deletion."
  type        = bool
  default     = true
}

variable "alb_access_logs_bucket" {
  description = "Bucket for ALB access logs, or null."
  type        = string
  default     = null
}

variable "waf_acl_arn" {
  description = "WAFv2 web ACL for the ALB, or null."
  type        = string
  default     = null
}

variable "images" {
  description = "Image of each service key by digest (repository:tag@sha256:...). Set by the pipeline's plan (platform.tfvars.json): what Terraform registered last, or on the first apply the digests the first publish pushed. Never a placeholder."
  type        = map(string)
  validation {
    condition     = alltrue([for image in values(var.images) : can(regex("@sha256:[0-9a-f]{64}$", image))])
    error_message = "Every image must be pinned by digest (repository:tag@sha256:<64 hex>): publish first; the pipeline's plan passes what publish pushed."
  }
}

variable "cpu_architectures" {
  description = "cpu_architecture (X86_64 or ARM64) of each service key's runtime platform; set by the pipeline from environments/<env>.json services[].runtimePlatform, which the builds follow."
  type        = map(string)
  default     = {}
}

variable "health_check_paths" {
  description = "HTTP path each service's container health check probes (and the ALB target group, for open-webui); set by the pipeline's plan (platform.tfvars.json) from environments/<env>.json services[].healthCheck.path, the one source. A service without an entry (healthCheck.none in the environment file) gets no container health check."
  type        = map(string)
  validation {
    condition     = alltrue([for p in values(var.health_check_paths) : startswith(p, "/")])
    error_message = "Every health check path must start with /."
  }
}

variable "services" {
  description = "Sizing per service key (open-webui, bedrock-gateway, mcpo)."
  type = map(object({
    cpu           = number
    memory        = number
    desired_count = number
    port          = number
  }))
  default = {
    "open-webui"      = { cpu = 1024, memory = 2048, desired_count = 1, port = 8080 }
    "bedrock-gateway" = { cpu = 512, memory = 1024, desired_count = 1, port = 80 }
    "mcpo"            = { cpu = 256, memory = 512, desired_count = 1, port = 8000 }
  }
}

variable "mcpo_config" {
  description = "Arguments after `mcpo` for the MCP proxy container (e.g. -- uvx mcp-server-time)."
  type        = list(string)
  default     = []
}

variable "bedrock_model_arns" {
  description = "Models and inference profiles the gateway may invoke."
  type        = list(string)
  default     = ["arn:aws:bedrock:*::foundation-model/*"]
}

variable "log_retention_days" {
  description = "Retention of every log group, in days."
  type        = number
  default     = 90
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored."
  type        = number
  default     = 30
}
