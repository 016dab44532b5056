variable "name" {
  description = "Name prefix, e.g. platform-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the target group."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets the ALB spans (two AZs)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the ALB."
  type        = string
}

variable "target_port" {
  description = "Port of the Open WebUI container the ALB forwards to."
  type        = number
}

variable "health_check_path" {
  description = "HTTP path the target group probes."
  type        = string
  default     = "/health"
}

variable "https" {
  description = "Serve HTTPS with certificate_arn and redirect HTTP to it; false serves plain HTTP (only for environments without a domain). Known at plan time, unlike a certificate being issued."
  type        = bool
  default     = false
}

variable "certificate_arn" {
  description = "ACM certificate for HTTPS (required when https is true)."
  type        = string
  default     = null
}

variable "access_logs_bucket" {
  description = "S3 bucket for ALB access logs; null disables them."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Refuse to delete the ALB (production)."
  type        = bool
  default     = true
}

variable "waf_acl_arn" {
  description = "WAFv2 web ACL to associate with the ALB, or null."
  type        = string
  default     = null
}
