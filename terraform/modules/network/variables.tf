variable "name" {
  description = "Name prefix for every resource, e.g. platform-dev."
  type        = string
}

variable "cidr_block" {
  description = "CIDR block of the VPC; split into two public and two private /20 subnets."
  type        = string
  default     = "10.20.0.0/16"
}

variable "availability_zones" {
  description = "Exactly two availability zones for the subnets."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "Give exactly two availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both private subnets (cheaper) instead of one per AZ (resilient)."
  type        = bool
  default     = true
}

variable "flow_log_retention_days" {
  description = "Retention of the VPC flow log group, in days."
  type        = number
  default     = 90
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the flow log group."
  type        = string
}

variable "service_ports" {
  description = "Container ports: open_webui (reached by the ALB), gateway (reached by Open WebUI), mcpo (reached by Open WebUI)."
  type = object({
    open_webui = number
    gateway    = number
    mcpo       = number
  })
}

variable "permissions_boundary_arn" {
  description = "Permissions boundary of the flow-log role (terraform/bootstrap output permissions_boundary_arn)."
  type        = string
}
