variable "name" {
  description = "Name prefix of the secrets, e.g. platform-dev."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets."
  type        = string
}

variable "recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once)."
  type        = number
  default     = 30
}

variable "secret_version" {
  description = "Bump to generate and store new random values (rotation by hand)."
  type        = number
  default     = 1
}
