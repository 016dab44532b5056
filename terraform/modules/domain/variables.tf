variable "domain_name" {
  description = "Name the platform answers on, e.g. chat.example.com."
  type        = string
}

variable "zone_id" {
  description = "Route 53 hosted zone that holds domain_name (DNS validation and the alias record)."
  type        = string
}

variable "alb_dns_name" {
  description = "DNS name of the ALB the alias points at."
  type        = string
}

variable "alb_zone_id" {
  description = "Hosted zone id of the ALB."
  type        = string
}
