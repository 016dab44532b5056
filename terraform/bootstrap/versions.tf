terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.0.0"
    }
  }
  # Bootstrap creates the state bucket, so its own state is local: keep the state file it
  # writes (terraform.tfstate) safe, or import the bucket later into a remote state.
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]
  default_tags {
    tags = { Project = "ecs-pipeline", Environment = var.environment, ManagedBy = "opentofu-bootstrap" }
  }
}
