variable "repositories" {
  description = "ECR repository names (not URIs), e.g. platform/open-webui."
  type        = set(string)
}

variable "keep_images" {
  description = "How many images each repository keeps; older ones expire."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the images."
  type        = string
}

variable "force_delete" {
  description = "Allow destroying repositories that still hold images (throw-away environments only)."
  type        = bool
  default     = false
}
