terraform {
  required_version = ">= 1.11.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.0.0"
    }
  }
  # Partial configuration: bucket, key, region and locking come from environments/<env>.json
  # through `-backend-config` (the pipeline's plan/apply pass them).
  backend "s3" {}
}

provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  # Only for an emulator (environments/local.json aws.endpoint): the pipeline sets
  # TF_VAR_aws_endpoint from it. Never set for a real account. The account id is still asked
  # of the emulator's STS: skipping that would leave allowed_account_ids nothing to compare.
  skip_credentials_validation = var.aws_endpoint != null
  skip_metadata_api_check     = var.aws_endpoint != null
  s3_use_path_style           = var.aws_endpoint != null
  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      acm              = endpoints.value
      cloudwatchlogs   = endpoints.value
      ec2              = endpoints.value
      ecr              = endpoints.value
      ecs              = endpoints.value
      efs              = endpoints.value
      elbv2            = endpoints.value
      iam              = endpoints.value
      kms              = endpoints.value
      s3               = endpoints.value
      secretsmanager   = endpoints.value
      servicediscovery = endpoints.value
      sts              = endpoints.value
      wafv2            = endpoints.value
    }
  }
  default_tags {
    tags = { Project = "ecs-pipeline", Environment = var.environment, ManagedBy = "opentofu" }
  }
}
