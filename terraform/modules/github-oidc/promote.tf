# The source side of a promotion: a pull-only role in this environment's account, assumed by
# the deploy jobs of the environments promoted from this one (for staging: prod's job, in the
# protected prod GitHub Environment). It reads what the services run and pulls their images;
# it can change nothing. The target side writes with its own deploy role, so no cross-account
# repository policy is needed: skopeo logs in to each registry with that side's own token.
# Its documents are rendered by module.documents (main.tf).
resource "aws_iam_role" "promote_source" {
  count                = length(var.promote_to_environments) > 0 ? 1 : 0
  name                 = "${var.name}-promote-source"
  assume_role_policy   = module.documents.promote_source_trust
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "promote_source" {
  count  = length(aws_iam_role.promote_source)
  name   = "read-and-pull-images"
  role   = aws_iam_role.promote_source[0].id
  policy = module.documents.promote_source_policy
}
