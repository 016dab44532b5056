import { createValidatedPolicy, validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "./render-documents.js";

export const GITHUB_ISSUER = "token.actions.githubusercontent.com";

export interface WebIdentityRequest {
  /** The role being assumed. */
  roleArn: string;
  /** The token's `sub` claim, e.g. repo:owner/name:environment:prod. */
  subject: string;
  /** The token's `aud` claim. */
  audience?: string;
}

/**
 * Decides AssumeRoleWithWebIdentity against a trust policy with the iam-simulate engine:
 * "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied". The federated principal is the
 * account's GitHub OIDC provider; `<issuer>:sub` and `<issuer>:aud` carry the token's claims,
 * the keys IAM documents for OIDC federation
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
 * runUnsafeSimulation, because the validating runSimulation drops context keys that AWS's
 * service authorization data does not list for sts:AssumeRoleWithWebIdentity, and it lists
 * GitHub's other claims but not sub and aud: the request would lose the very claims the trust
 * policy tests. The policy itself is still validated as a trust policy first.
 */
export function trustDecision(trust: PolicyDocument, request: WebIdentityRequest): string {
  const account = /^arn:aws:iam::(\d{12}):role\//.exec(request.roleArn)?.[1];
  if (!account) throw new Error(`not a role ARN: ${request.roleArn}`);
  const policy = createValidatedPolicy(trust, validateTrustPolicy, { name: "trust" });
  if (policy.errors.length > 0) throw new Error(`invalid trust policy: ${JSON.stringify(policy.errors)}`);
  return runUnsafeSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
      request: {
        action: "sts:AssumeRoleWithWebIdentity",
        principal: `arn:aws:iam::${account}:oidc-provider/${GITHUB_ISSUER}`,
        resource: { accountId: account, resource: request.roleArn },
        contextVariables: {
          [`${GITHUB_ISSUER}:sub`]: request.subject,
          [`${GITHUB_ISSUER}:aud`]: request.audience ?? "sts.amazonaws.com",
        },
      },
    },
    {},
  );
}

/** Decides one call of a role with this identity policy (validated request and policy). */
export async function identityDecision(
  policy: PolicyDocument,
  call: { roleArn: string; action: string; resource: string },
): Promise<string> {
  const account = /^arn:aws:iam::(\d{12}):role\//.exec(call.roleArn)?.[1] ?? "";
  const errors = validateIdentityPolicy(policy);
  if (errors.length > 0) throw new Error(`invalid identity policy: ${JSON.stringify(errors)}`);
  const result = await runSimulation(
    {
      identityPolicies: [{ name: "inline", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: call.action,
        principal: `arn:aws:sts::${account}:assumed-role/${call.roleArn.split("/").pop() ?? ""}/ecs-pipeline`,
        resource: {
          accountId: /^arn:aws:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(call.resource)?.[1] ?? account,
          resource: call.resource,
        },
        contextVariables: {},
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(`simulation failed: ${JSON.stringify(result.errors)}`);
  return result.overallResult;
}
