/**
 * AWS access for every verb: credentials (static keys, AssumeRole, AssumeRoleWithWebIdentity,
 * refreshed before expiry), client settings that honour `env.aws.endpoint`, and the account
 * guard. Most callers need only `openSession(env, { purpose, vars: process.env })`.
 */
export { assertAccount, getCallerIdentity, guardAccount, type CallerIdentity, type StsLike } from "./account-guard.js";
export { clientConfig, type AwsClientConfig, type ClientConfigOptions } from "./clients.js";
export {
  CREDENTIAL_ENV,
  credentialSourceFromEnv,
  resolveCredentials,
  type AwsCredentials,
  type CredentialProvider,
  type CredentialSource,
  type ResolveCredentialsOptions,
  type StaticKeys,
} from "./credentials.js";
export { openSession, type AwsSession, type OpenSessionOptions, type RolePurpose } from "./session.js";
