import type { EnvironmentConfig } from "../config/schema.js";
import { guardAccount, type CallerIdentity } from "./account-guard.js";
import { clientConfig, type AwsClientConfig, type ClientConfigOptions } from "./clients.js";
import { credentialSourceFromEnv, resolveCredentials, type ResolveCredentialsOptions } from "./credentials.js";

export type RolePurpose = keyof EnvironmentConfig["aws"]["roles"];

export interface OpenSessionOptions extends ClientConfigOptions {
  /** Which configured role to assume: plan, apply or deploy. */
  purpose: RolePurpose;
  /** Process environment holding the credential variables (see CREDENTIAL_ENV). */
  vars: NodeJS.ProcessEnv;
  /** Overrides the configured role. */
  roleArn?: string;
  sessionName?: string;
  refreshWindowMs?: ResolveCredentialsOptions["refreshWindowMs"];
}

export interface AwsSession {
  config: AwsClientConfig;
  identity: CallerIdentity;
}

/**
 * Credentials from the process environment (keys, or a role assumed with them or with an
 * OIDC token), refreshed before expiry, checked against the environment's account. The one
 * call a verb needs before touching AWS; throws before any change when the account is wrong.
 */
export async function openSession(env: EnvironmentConfig, options: OpenSessionOptions): Promise<AwsSession> {
  const roleArn = options.roleArn ?? env.aws.roles[options.purpose];
  const source = credentialSourceFromEnv(options.vars, roleArn ? { roleArn } : {});
  const credentials = resolveCredentials({
    source,
    region: env.aws.region,
    ...(env.aws.endpoint ? { endpoint: env.aws.endpoint } : {}),
    sessionName: options.sessionName ?? `ecs-pipeline-${options.purpose}-${env.name}`,
    ...(options.refreshWindowMs !== undefined ? { refreshWindowMs: options.refreshWindowMs } : {}),
  });
  const config = clientConfig(env, credentials, options);
  const identity = await guardAccount(env, config);
  return { config, identity };
}
