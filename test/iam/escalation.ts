import type { RenderedEnvironment, RenderedRole } from "./render.js";
import { decide, type AwsRequest } from "./simulate.js";

/** One way a role could reach beyond what it was given. */
export interface Escalation {
  role: string;
  kind: "unbounded-role" | "lift-boundary" | "pass-role" | "key-policy" | "other-environment" | "identity-write";
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
}

type Probe = AwsRequest & { kind: Escalation["kind"] };

const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

/**
 * Requests no role of the environment may be allowed, evaluated by the policy engine: the
 * privilege-escalation paths of Rhino Security Labs' list that cloudsplaining and pmapper check
 * (role and policy writes without a boundary, boundary removal, policy versions, PassRole of
 * a stronger role, user credentials), key-policy edits, and writes to another environment's
 * resources (names of another prefix, another Environment tag).
 * https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/
 */
export function probes(env: RenderedEnvironment, other: string): Probe[] {
  const acct = env.accountId;
  const arn = (service: string, rest: string): string => `arn:aws:${service}:${env.region}:${acct}:${rest}`;
  const role = (n: string): string => `arn:aws:iam::${acct}:role/${n}`;
  const own = role(`${env.name}-probe`);
  const foreignBoundary = `arn:aws:iam::${acct}:policy/${other}-boundary`;
  const noBoundary = {};
  const wrongBoundary = { "iam:PermissionsBoundary": foreignBoundary };
  const roleWrites = ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"];
  const list: Probe[] = [];
  for (const action of roleWrites) {
    for (const context of [noBoundary, wrongBoundary]) {
      list.push({ kind: "unbounded-role", action, resource: own, context: { ...context, "iam:PolicyARN": ADMIN } });
    }
  }
  list.push(
    // A boundary may cap a role, but attaching AdministratorAccess is still a role that would
    // be administrator the day the boundary goes: only the task execution policy is attached.
    {
      kind: "unbounded-role",
      action: "iam:AttachRolePolicy",
      resource: own,
      context: { "iam:PermissionsBoundary": env.boundary.arn, "iam:PolicyARN": ADMIN },
    },
    {
      kind: "lift-boundary",
      action: "iam:DeleteRolePermissionsBoundary",
      resource: own,
      context: { "iam:PermissionsBoundary": env.boundary.arn },
    },
    { kind: "lift-boundary", action: "iam:PutRolePermissionsBoundary", resource: own, context: wrongBoundary },
    ...["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"].map((action): Probe => ({
      kind: "lift-boundary",
      action,
      resource: env.boundary.arn,
      context: {},
    })),
    ...[
      "iam:CreateUser",
      "iam:CreateAccessKey",
      "iam:CreateLoginProfile",
      "iam:PutUserPolicy",
      "iam:AttachUserPolicy",
      "iam:AddUserToGroup",
      "iam:PutGroupPolicy",
      "iam:CreatePolicy",
    ].map((action): Probe => ({
      kind: "identity-write",
      action,
      resource: action.includes("Group")
        ? `arn:aws:iam::${acct}:group/${env.name}-probe`
        : action === "iam:CreatePolicy"
          ? `arn:aws:iam::${acct}:policy/${env.name}-probe`
          : `arn:aws:iam::${acct}:user/${env.name}-probe`,
      context: {},
    })),
  );
  // PassRole: only the environment's bounded service roles, only to the service they serve.
  const stronger = [
    `${env.name}-deploy`,
    `${env.name}-plan`,
    "OrganizationAccountAccessRole",
    `${other}-ecs-execution`,
    `${other}-open-webui-task`,
  ];
  for (const target of stronger) {
    list.push({
      kind: "pass-role",
      action: "iam:PassRole",
      resource: role(target),
      context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
  }
  for (const service of ["ec2.amazonaws.com", "lambda.amazonaws.com", "cloudformation.amazonaws.com"]) {
    list.push({
      kind: "pass-role",
      action: "iam:PassRole",
      resource: role(`${env.name}-open-webui-task`),
      context: { "iam:PassedToService": service },
    });
  }
  // Key policies, and the state key's life.
  for (const key of [
    env.state.kmsKeyArn,
    env.platformKmsKeyArn,
    arn("kms", "key/11111111-2222-3333-4444-555555555555"),
  ]) {
    list.push({
      kind: "key-policy",
      action: "kms:PutKeyPolicy",
      resource: key,
      context: { "aws:ResourceTag/Environment": env.env, "aws:ResourceTag/ManagedBy": "opentofu" },
    });
  }
  for (const action of ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateGrant"]) {
    list.push({
      kind: "key-policy",
      action,
      resource: env.state.kmsKeyArn,
      context: { "aws:ResourceTag/Environment": env.env, "aws:ResourceTag/ManagedBy": "opentofu-bootstrap" },
    });
  }
  list.push({
    kind: "key-policy",
    action: "kms:CreateKey",
    resource: "*",
    context: { "aws:RequestTag/Environment": env.env, "kms:BypassPolicyLockoutSafetyCheck": "true" },
  });
  // Another environment's resources, by name prefix or by tag.
  const theirs = {
    "aws:ResourceTag/Environment": other.replace(/^platform-/, ""),
    "aws:ResourceTag/ManagedBy": "opentofu",
  };
  list.push(
    ...(
      [
        ["ecs:UpdateService", arn("ecs", `service/${other}/open-webui`), {}],
        ["ecs:RegisterTaskDefinition", arn("ecs", `task-definition/${other}-open-webui:1`), {}],
        ["ecs:DeleteCluster", arn("ecs", `cluster/${other}`), {}],
        [
          "elasticloadbalancing:DeleteLoadBalancer",
          arn("elasticloadbalancing", `loadbalancer/app/${other}/0123456789abcdef`),
          {},
        ],
        [
          "elasticloadbalancing:ModifyListener",
          arn("elasticloadbalancing", `listener/app/${other}/0123456789abcdef/0123456789abcdef`),
          {},
        ],
        ["ec2:DeleteVpc", arn("ec2", "vpc/vpc-0123456789abcdef0"), theirs],
        ["ec2:AuthorizeSecurityGroupIngress", arn("ec2", "security-group/sg-0123456789abcdef0"), theirs],
        ["elasticfilesystem:DeleteFileSystem", arn("elasticfilesystem", "file-system/fs-0123456789abcdef1"), theirs],
        ["servicediscovery:DeleteNamespace", arn("servicediscovery", "namespace/ns-0123456789abcdef"), theirs],
        ["kms:Decrypt", arn("kms", "key/99999999-0000-0000-0000-000000000000"), theirs],
        ["secretsmanager:GetSecretValue", arn("secretsmanager", `secret:${other}/webui-secret-key-AbCdEf`), {}],
        ["logs:DeleteLogGroup", arn("logs", `log-group:/ecs/${other}/open-webui`), {}],
        ["iam:DeleteRole", role(`${other}-open-webui-task`), {}],
      ] as const
    ).map(([action, resource, context]): Probe => ({
      kind: "other-environment",
      action,
      resource,
      context: { ...context },
    })),
  );
  return list;
}

/** Every probe the policy engine allows, for every role (empty when none can escalate). */
export async function findEscalations(
  env: RenderedEnvironment,
  roles: RenderedRole[] = Object.values(env.roles),
): Promise<Escalation[]> {
  const other = env.env === "prod" ? "platform-dev" : "platform-prod";
  const found: Escalation[] = [];
  for (const role of roles) {
    for (const probe of probes(env, other)) {
      const decision = await decide(env, role, probe);
      if (decision.errors)
        throw new Error(`The policy engine refused probe ${probe.action} on ${probe.resource}: ${decision.errors}`);
      if (decision.allowed) {
        found.push({
          role: role.name,
          kind: probe.kind,
          action: probe.action,
          resource: probe.resource,
          context: probe.context ?? {},
        });
      }
    }
  }
  return found;
}
