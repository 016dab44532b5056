import { ECS } from "@aws-sdk/client-ecs";
import { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { openSession, type CallerIdentity, type RolePurpose } from "../aws/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import type { EcsApi, ElbApi } from "./api.js";

export interface CredentialOptions {
  /** Process environment with AWS_ACCESS_KEY_ID/..., or AWS_WEB_IDENTITY_TOKEN (see src/aws). */
  vars: NodeJS.ProcessEnv;
  /** Role to assume instead of `env.aws.roles.deploy`. */
  roleArn?: string;
  /** SDK attempts per call (throttling is retried with backoff). Default 3. */
  maxAttempts?: number;
  /** Which configured role to assume; default deploy. */
  purpose?: RolePurpose;
}

export interface EcsContext {
  ecs: EcsApi;
  elb: ElbApi;
  identity: CallerIdentity;
  close(): void;
}

/** Credentials, the account guard, then clients: nothing touches ECS before the guard passed. */
export async function connect(env: EnvironmentConfig, options: CredentialOptions): Promise<EcsContext> {
  const session = await openSession(env, {
    purpose: options.purpose ?? "deploy",
    vars: options.vars,
    ...(options.roleArn ? { roleArn: options.roleArn } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
  const ecs = new ECS(session.config);
  const elb = new ElasticLoadBalancingV2(session.config);
  return {
    ecs,
    elb,
    identity: session.identity,
    close: () => {
      ecs.destroy();
      elb.destroy();
    },
  };
}
