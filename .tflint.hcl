# tflint for terraform/ (run per root/module directory with --recursive by validateTerraform).
# The AWS ruleset is installed by scripts/install-toolchain.sh into ~/.tflint.d/plugins;
# no source/version here on purpose: `tflint --init` needs GitHub, which our machines lack.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
}

rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_naming_convention" {
  enabled = true
}
