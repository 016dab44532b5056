# Platform inputs for the dev environment (terraform/platform). Backend settings live in
# environments/dev.json (terraform.backend) and are passed by the pipeline as -backend-config.
environment        = "dev"
account_id         = "111111111111"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.10.0.0/16"
single_nat_gateway = true

# HTTPS on the ALB: set domain = { name, zone_id } (certificate issued here) or an existing certificate_arn.
certificate_arn         = null
alb_deletion_protection = false

log_retention_days = 30

services = {
  "open-webui"      = { cpu = 1024, memory = 2048, desired_count = 1, port = 8080 }
  "bedrock-gateway" = { cpu = 512, memory = 1024, desired_count = 1, port = 80 }
  "mcpo"            = { cpu = 256, memory = 512, desired_count = 1, port = 8000 }
}
