# Platform inputs for the prod environment (terraform/platform). Backend settings live in
# environments/prod.json (terraform.backend) and are passed by the pipeline as -backend-config.
environment        = "prod"
account_id         = "333333333333"
region             = "eu-west-1"
availability_zones = ["eu-west-1a", "eu-west-1b"]
vpc_cidr           = "10.30.0.0/16"
single_nat_gateway = false

# HTTPS on the ALB: set domain = { name, zone_id } (certificate issued here) or an existing certificate_arn.
certificate_arn         = "arn:aws:acm:eu-west-1:333333333333:certificate/00000000-0000-0000-0000-000000000000"
alb_deletion_protection = true

log_retention_days = 365

services = {
  "open-webui"      = { cpu = 1024, memory = 2048, desired_count = 2, port = 8080 }
  "bedrock-gateway" = { cpu = 512, memory = 1024, desired_count = 2, port = 80 }
  "mcpo"            = { cpu = 256, memory = 512, desired_count = 2, port = 8000 }
}
