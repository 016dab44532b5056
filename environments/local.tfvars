# Platform inputs for the local environment (terraform/platform). Backend settings live in
# environments/local.json (terraform.backend) and are passed by the pipeline as -backend-config.
environment        = "local"
account_id         = "123456789012"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.99.0.0/16"
single_nat_gateway = true

# HTTPS on the ALB: set domain = { name, zone_id } (certificate issued here) or an existing certificate_arn.
certificate_arn         = null
alb_deletion_protection = false

log_retention_days = 7

services = {
  "open-webui"      = { cpu = 1024, memory = 2048, desired_count = 1, port = 8080 }
  "bedrock-gateway" = { cpu = 512, memory = 1024, desired_count = 1, port = 80 }
  "mcpo"            = { cpu = 256, memory = 512, desired_count = 1, port = 8000 }
}

# The local environment runs against an emulator: nothing is kept.
secret_recovery_window_days = 0
