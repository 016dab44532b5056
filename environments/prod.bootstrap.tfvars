# Inputs of terraform/bootstrap for prod (applied once by an administrator of the account):
# the state bucket and lock table named in environments/prod.json, and the GitHub OIDC roles.
environment       = "prod"
account_id        = "333333333333"
region            = "eu-west-1"
state_bucket      = "platform-tfstate-333333333333"
state_key         = "platform/prod.tfstate"
lock_table        = "platform-tflock"
github_repository = "example-org/ecs-pipeline"
ecr_keep_images   = 30

# Pull requests run their own code in a plan: prod's plan role trusts them only in this
# GitHub Environment, whose required reviewers approve before a PR's plan reads prod.
pull_request_plan_environment = "prod-plan"
