# Inputs of terraform/bootstrap for staging (applied once by an administrator of the account):
# the state bucket and lock table named in environments/staging.json, and the GitHub OIDC roles.
environment       = "staging"
account_id        = "222222222222"
region            = "eu-west-1"
state_bucket      = "platform-tfstate-222222222222"
state_key         = "platform/staging.tfstate"
lock_table        = "platform-tflock"
github_repository = "example-org/ecs-pipeline"
promote_to_environments = ["prod"]
ecr_keep_images   = 30
