locals {
  name = "platform-${var.environment}"
}

resource "aws_kms_key" "state" {
  description             = "Encrypts the ${var.environment} Terraform state and lock table"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

data "aws_iam_policy_document" "state_key" {
  # checkov:skip=CKV_AWS_111:A key policy's resource "*" means this key; the account root administers it as in AWS's default key policy
  # checkov:skip=CKV_AWS_356:A key policy's resource "*" means this key
  # checkov:skip=CKV_AWS_109:The account root administers its own key, as in AWS's default key policy
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
  }
}

resource "aws_kms_alias" "state" {
  name          = "alias/${local.name}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

#trivy:ignore:AVD-AWS-0089 Access logging of the state bucket would need a second bucket; CloudTrail data events cover state access.
resource "aws_s3_bucket" "state" {
  # checkov:skip=CKV2_AWS_62:State changes are not events anyone consumes
  # checkov:skip=CKV_AWS_18:Access logging would need a second bucket; CloudTrail data events cover state access
  # checkov:skip=CKV_AWS_144:Versioning keeps history; cross-region replication of state is left to accounts that need it
  bucket = var.state_bucket
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket     = aws_s3_bucket.state.id
  policy     = data.aws_iam_policy_document.tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.state]
}

resource "aws_dynamodb_table" "lock" {
  count        = var.lock_table == null ? 0 : 1
  name         = var.lock_table
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }

  deletion_protection_enabled = true
}

# The repositories the first publish pushes to, before the platform exists (the platform's
# task definitions name images by digest in them). Tags are immutable (modules/ecr).
module "ecr" {
  source       = "../modules/ecr"
  repositories = toset(var.ecr_repositories)
  keep_images  = var.ecr_keep_images
  kms_key_arn  = aws_kms_key.images.arn
  force_delete = var.ecr_force_delete
}

resource "aws_kms_key" "images" {
  description             = "Encrypts the ${var.environment} ECR repositories"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.state_key.json
}

resource "aws_kms_alias" "images" {
  name          = "alias/${local.name}-images"
  target_key_id = aws_kms_key.images.key_id
}

module "github_oidc" {
  source             = "../modules/github-oidc"
  name               = local.name
  create_provider    = var.create_oidc_provider
  github_repository  = var.github_repository
  deploy_environment = var.environment
  state_bucket       = var.state_bucket
  state_key          = var.state_key
  lock_table         = var.lock_table
  account_id         = var.account_id
  region             = var.region
  ecr_repositories   = var.ecr_repositories

  promote_to_environments = var.promote_to_environments
  state_kms_key_arn       = aws_kms_key.state.arn

  pull_request_plan_environment = var.pull_request_plan_environment
}
