output "certificate_arn" {
  description = "The validated certificate, for the ALB's HTTPS listener."
  value       = aws_acm_certificate_validation.this.certificate_arn
}

output "url" {
  description = "https URL of the domain."
  value       = "https://${var.domain_name}"
}
