import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { PolicyDocument, RenderedEnvironment, RenderedRole } from "./render.js";

/** One request a role makes (or AWS makes on its behalf), as the policy engine sees it. */
export interface AwsRequest {
  action: string;
  resource: string;
  /** Condition keys of the request: kms:ViaService, aws:ResourceTag/..., iam:PassedToService... */
  context?: Record<string, string | string[]>;
}

export interface Decision {
  /** "Allowed", "ExplicitlyDenied" or "ImplicitlyDenied" (or "Invalid" when the engine refuses the request). */
  result: string;
  allowed: boolean;
  /** Engine validation errors (unknown action, resource type or context key), when any. */
  errors?: string;
}

/**
 * AWS managed policies a platform role attaches, as AWS publishes them (policy version v1 of
 * AmazonECSTaskExecutionRolePolicy), so the engine sees every permission the role holds.
 * https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonECSTaskExecutionRolePolicy.html
 */
const MANAGED: Record<string, PolicyDocument> = {
  "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy": {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "ecr:GetAuthorizationToken",
          "ecr:BatchCheckLayerAvailability",
          "ecr:GetDownloadUrlForLayer",
          "ecr:BatchGetImage",
          "logs:CreateLogStream",
          "logs:PutLogEvents",
        ],
        Resource: "*",
      },
    ],
  },
};

/** The key policy terraform/ gives both keys: the account administers them through IAM. */
function keyPolicy(accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AccountAdministers",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  };
}

/** Identity-based policies of a role: its inline policies and the managed ones it attaches. */
export function identityPolicies(role: RenderedRole): { name: string; policy: PolicyDocument }[] {
  const inline = Object.entries(role.policies).map(([name, policy]) => ({ name, policy }));
  const managed = role.managed.map((arn) => {
    const policy = MANAGED[arn];
    if (!policy) throw new Error(`${role.name} attaches ${arn}; add its document to test/iam/simulate.ts`);
    return { name: arn, policy };
  });
  return [...inline, ...managed];
}

/**
 * Evaluates one request of `role` with @cloud-copilot/iam-simulate: identity policies,
 * permissions boundary, and the resource policy where AWS requires one (a KMS key policy).
 * Same-account requests, as every call of the pipeline is.
 */
export async function decide(env: RenderedEnvironment, role: RenderedRole, request: AwsRequest): Promise<Decision> {
  const service = request.action.split(":")[0];
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:sts::${env.accountId}:assumed-role/${role.name}/ecs-pipeline`,
      action: request.action,
      resource: { resource: request.resource, accountId: env.accountId },
      contextVariables: {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": env.accountId,
        "aws:PrincipalType": "AssumedRole",
        "aws:SecureTransport": "true",
        ...request.context,
      },
    },
    identityPolicies: identityPolicies(role),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(service === "kms" ? { resourcePolicy: keyPolicy(env.accountId) } : {}),
    ...(role.boundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: env.boundary.policy }] } : {}),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") {
    return { result: "Invalid", allowed: false, errors: JSON.stringify(response.errors) };
  }
  return { result: response.overallResult, allowed: response.overallResult === "Allowed" };
}
