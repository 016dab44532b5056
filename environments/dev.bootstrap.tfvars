# Inputs of terraform/bootstrap for dev (applied once by an administrator of the account):
# the state bucket and lock table named in environments/dev.json, and the GitHub OIDC roles.
environment       = "dev"
account_id        = "111111111111"
region            = "eu-west-1"
state_bucket      = "platform-tfstate-111111111111"
state_key         = "platform/dev.tfstate"
lock_table        = "platform-tflock"
github_repository = "example-org/ecs-pipeline"
ecr_keep_images   = 30
