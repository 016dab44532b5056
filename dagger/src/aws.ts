/**
 * AWS credentials for every function that reaches AWS: the seven optional Secrets of the
 * module's constructor (BaseIdentity, given once before the function name), which each step
 * that reaches AWS gets through withAwsIdentity, the one place that turns them into a
 * container's variables. The core (src/aws) decides what to do with those variables: assume
 * the environment's role for the step's purpose and check the account before anything else.
 */
import type { Container, Secret } from "@dagger.io/dagger";
import { withEmulator, type Emulator } from "./emulator.js";

/** The base identity; any may be absent (the core says which are needed). */
export interface BaseIdentity {
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  /** A CI's OIDC token itself (GitLab id_token). */
  awsWebIdentityToken?: Secret;
  /** GitHub Actions: the job's ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN; the core mints a fresh JWT per role assumption. */
  githubOidcRequestUrl?: Secret;
  githubOidcRequestToken?: Secret;
  /** CodeBuild/ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, resolved by the core inside each step. */
  awsContainerCredentialsUri?: Secret;
  /** An emulator environment's AWS for this call (emulator.ts): bound into every AWS step. */
  emulator?: Emulator;
}

/** The variables the core reads (src/aws/credentials.ts CREDENTIAL_ENV, and the SDK's container provider), Secret by Secret. */
const VARIABLES: [Exclude<keyof BaseIdentity, "emulator">, string][] = [
  ["awsAccessKeyId", "AWS_ACCESS_KEY_ID"],
  ["awsSecretAccessKey", "AWS_SECRET_ACCESS_KEY"],
  ["awsSessionToken", "AWS_SESSION_TOKEN"],
  ["awsWebIdentityToken", "AWS_WEB_IDENTITY_TOKEN"],
  ["githubOidcRequestUrl", "ACTIONS_ID_TOKEN_REQUEST_URL"],
  ["githubOidcRequestToken", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
  ["awsContainerCredentialsUri", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"],
];

/**
 * The step's container with the identity as secret variables, each name after an optional
 * prefix (promote's DEST_ side). On GitHub Actions the request pair goes into the container,
 * so the core asks for a fresh OIDC token whenever it assumes or re-assumes the role (the
 * token lives minutes; builds before a step and rollout waits can take longer). On CodeBuild
 * the container-credentials URI goes in as it is, and the AWS SDK in the core reads the build
 * role's keys from the endpoint inside the same exec (its default chain's container
 * provider): the keys never leave that process, so no layer of the engine's cache holds them.
 * Refuses half a pair.
 */
export function withAwsIdentity(container: Container, identity: BaseIdentity, prefix = ""): Container {
  if (Boolean(identity.githubOidcRequestUrl) !== Boolean(identity.githubOidcRequestToken)) {
    throw new Error("Pass both --github-oidc-request-url and --github-oidc-request-token, or neither");
  }
  const withSecrets = VARIABLES.reduce((c, [field, name]) => {
    const value = identity[field];
    return value ? c.withSecretVariable(`${prefix}${name}`, value) : c;
  }, container);
  if (!identity.emulator) return withSecrets;
  // The emulator takes any keys; without the caller's, placeholders (they open nothing).
  const given = VARIABLES.some(([field]) => identity[field] !== undefined);
  const keyed = given
    ? withSecrets
    : withSecrets.withEnvVariable("AWS_ACCESS_KEY_ID", "emulator").withEnvVariable("AWS_SECRET_ACCESS_KEY", "emulator");
  return withEmulator(keyed, identity.emulator);
}
