terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
  }
  # Partial configuration: bucket, key, region and locking come from environments/<env>.json
  # through `-backend-config` (the pipeline's plan/apply pass them).
  backend "s3" {}
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]
  default_tags {
    tags = { Project = "ecs-pipeline", Environment = var.environment, ManagedBy = "opentofu" }
  }
}
