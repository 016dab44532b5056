/**
 * AWS credentials for every function that reaches AWS: the seven optional Secrets of the
 * module's constructor (BaseIdentity, given once before the function name), which each step
 * that reaches AWS gets through withAwsIdentity, the one place that turns them into a
 * container's variables. The core (src/aws) decides what to do with those variables: assume
 * the environment's role for the step's purpose and check the account before anything else.
 */
import { dag, type Container, type Directory, type Secret } from "@dagger.io/dagger";
import { CORE_CLI, coreToolbox, everyCall } from "./containers.js";

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
  /** CodeBuild/ECS: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, read into keys right before each step. */
  awsContainerCredentialsUri?: Secret;
}

/** The variables the core reads (src/aws/credentials.ts CREDENTIAL_ENV), Secret by Secret. */
const VARIABLES: [keyof BaseIdentity, string][] = [
  ["awsAccessKeyId", "AWS_ACCESS_KEY_ID"],
  ["awsSecretAccessKey", "AWS_SECRET_ACCESS_KEY"],
  ["awsSessionToken", "AWS_SESSION_TOKEN"],
  ["awsWebIdentityToken", "AWS_WEB_IDENTITY_TOKEN"],
  ["githubOidcRequestUrl", "ACTIONS_ID_TOKEN_REQUEST_URL"],
  ["githubOidcRequestToken", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
];

/**
 * The step's container with the identity as secret variables, each name after an optional
 * prefix (promote's DEST_ side). On GitHub Actions the request pair goes into the container,
 * so the core asks for a fresh OIDC token whenever it assumes or re-assumes the role (the
 * token lives minutes; builds before a step and rollout waits can take longer). On CodeBuild
 * the container credentials are read into keys right before the step. Refuses half a pair.
 */
export async function withAwsIdentity(
  container: Container,
  source: Directory,
  identity: BaseIdentity,
  prefix = "",
): Promise<Container> {
  if (Boolean(identity.githubOidcRequestUrl) !== Boolean(identity.githubOidcRequestToken)) {
    throw new Error("Pass both --github-oidc-request-url and --github-oidc-request-token, or neither");
  }
  const uri = identity.awsContainerCredentialsUri;
  const resolved = uri ? { ...identity, ...(await containerCredentials(source, uri)) } : identity;
  return VARIABLES.reduce((c, [field, name]) => {
    const value = resolved[field];
    return value ? c.withSecretVariable(`${prefix}${name}`, value) : c;
  }, container);
}

function secret(kind: string, value: string): Secret {
  return dag.setSecret(`${kind}-${Date.now()}-${Math.random().toString(36).slice(2)}`, value);
}

/** The build role's keys from the container-credentials endpoint (unverified reachability: see docs/ci.md). */
async function containerCredentials(source: Directory, uri: Secret): Promise<BaseIdentity> {
  const json = await everyCall(coreToolbox(source))
    .withSecretVariable("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", uri)
    .withExec([...CORE_CLI, "container-credentials", "--output", "/tmp/creds.json"])
    .file("/tmp/creds.json")
    .contents();
  const creds = JSON.parse(json) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  return {
    awsAccessKeyId: secret("aws-key-id", creds.accessKeyId),
    awsSecretAccessKey: secret("aws-secret-key", creds.secretAccessKey),
    awsSessionToken: creds.sessionToken ? secret("aws-session", creds.sessionToken) : undefined,
    awsWebIdentityToken: undefined,
  };
}
