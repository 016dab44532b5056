# Platform inputs for the staging environment (terraform/platform). Backend settings live in
# environments/staging.json (terraform.backend) and are passed by the pipeline as -backend-config.
environment        = "staging"
account_id         = "222222222222"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.20.0.0/16"
single_nat_gateway = true

# HTTPS on the ALB: set domain = { name, zone_id } (certificate issued here) or an existing certificate_arn.
certificate_arn         = null
alb_deletion_protection = true

log_retention_days = 90

services = {
  "open-webui"      = { cpu = 1024, memory = 2048, desired_count = 1, port = 8080 }
  "bedrock-gateway" = { cpu = 512, memory = 1024, desired_count = 1, port = 80 }
  "mcpo"            = { cpu = 256, memory = 512, desired_count = 1, port = 8000 }
}
