import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type Credentials as StsCredentials,
} from "@aws-sdk/client-sts";
import { readFileSync } from "node:fs";
import { PipelineError, userError } from "../errors.js";
import { OIDC_REQUEST_ENV, requestActionsIdToken } from "../github/oidc.js";

/** What every AWS SDK v3 client accepts as `credentials` (structurally `AwsCredentialIdentity`). */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A function the SDK calls before signing; ours caches and refreshes before expiry. */
export type CredentialProvider = () => Promise<AwsCredentials>;

export interface StaticKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Where credentials come from. `base` of an assume-role source is the identity that assumes
 * the role; when it is absent the SDK's default chain (env, profile, SSO, instance role) is used.
 */
export type CredentialSource =
  | { kind: "static"; keys: StaticKeys }
  | { kind: "assume-role"; roleArn: string; base?: StaticKeys; externalId?: string }
  /** `token` as a function is called on every refresh: a CI JWT lives minutes, a deploy may wait longer. */
  | { kind: "web-identity"; roleArn: string; token: string | (() => Promise<string>) };

export interface ResolveCredentialsOptions {
  source: CredentialSource;
  region: string;
  /** Send STS calls here (a local emulator); same field as `env.aws.endpoint`. */
  endpoint?: string;
  /** Shown in CloudTrail as the session name; letters, digits and `=,.@-_` only. */
  sessionName?: string;
  /** Lifetime asked of STS for assumed roles (900..43200). */
  durationSeconds?: number;
  /** Refresh when the cached credentials expire within this window. Default 5 minutes. */
  refreshWindowMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_REFRESH_WINDOW_MS = 5 * 60_000;

/**
 * Returns a provider that yields valid credentials for as long as the process runs: static
 * keys as given, assumed-role credentials fetched on first use and fetched again once they
 * would expire within `refreshWindowMs` (a deploy that waits 30 minutes outlives a 15-minute
 * OIDC session). Concurrent callers share one in-flight STS call.
 */
export function resolveCredentials(options: ResolveCredentialsOptions): CredentialProvider {
  const { source } = options;
  if (source.kind === "static") {
    const keys = { ...source.keys };
    return () => Promise.resolve(keys);
  }
  const now = options.now ?? Date.now;
  const window = options.refreshWindowMs ?? DEFAULT_REFRESH_WINDOW_MS;
  let cached: AwsCredentials | undefined;
  let inFlight: Promise<AwsCredentials> | undefined;
  return () => {
    if (cached && (cached.expiration === undefined || cached.expiration.getTime() - window > now())) {
      return Promise.resolve(cached);
    }
    inFlight ??= assume(source, options).then(
      (creds) => {
        cached = creds;
        inFlight = undefined;
        return creds;
      },
      (err: unknown) => {
        inFlight = undefined;
        throw err;
      },
    );
    return inFlight;
  };
}

async function assume(
  source: Exclude<CredentialSource, { kind: "static" }>,
  options: ResolveCredentialsOptions,
): Promise<AwsCredentials> {
  const sts = new STSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(source.kind === "assume-role" && source.base ? { credentials: source.base } : {}),
    // AssumeRoleWithWebIdentity is unsigned; give the client dummy keys so it never walks the chain.
    ...(source.kind === "web-identity" ? { credentials: { accessKeyId: "unused", secretAccessKey: "unused" } } : {}),
  });
  const common = {
    RoleArn: source.roleArn,
    RoleSessionName: options.sessionName ?? "ecs-pipeline",
    ...(options.durationSeconds ? { DurationSeconds: options.durationSeconds } : {}),
  };
  try {
    const out =
      source.kind === "assume-role"
        ? await sts.send(
            new AssumeRoleCommand({ ...common, ...(source.externalId ? { ExternalId: source.externalId } : {}) }),
          )
        : await sts.send(
            new AssumeRoleWithWebIdentityCommand({
              ...common,
              WebIdentityToken: typeof source.token === "string" ? source.token : await source.token(),
            }),
          );
    return fromSts(out.Credentials, source.roleArn);
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    const verb = source.kind === "assume-role" ? "assume role" : "assume role with web identity";
    throw new PipelineError(`Failed to ${verb} ${source.roleArn}: ${(err as Error).message}`, {
      code: "aws.assume-role",
      source: "aws",
      cause: err,
      hint:
        source.kind === "web-identity"
          ? "Check the role's trust policy allows this OIDC provider, audience and subject (repository, branch)."
          : "Check the base identity may call sts:AssumeRole on this role and the role trusts it.",
    });
  } finally {
    sts.destroy();
  }
}

function fromSts(creds: StsCredentials | undefined, roleArn: string): AwsCredentials {
  if (!creds?.AccessKeyId || !creds.SecretAccessKey) {
    throw new PipelineError(`Failed to assume role ${roleArn}: STS returned no credentials`, {
      code: "aws.assume-role",
      source: "aws",
    });
  }
  return {
    accessKeyId: creds.AccessKeyId,
    secretAccessKey: creds.SecretAccessKey,
    ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}),
    ...(creds.Expiration ? { expiration: creds.Expiration } : {}),
  };
}

/** Environment variables read by `credentialSourceFromEnv` (Dagger passes each as a Secret). */
export const CREDENTIAL_ENV = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
  /** The CI's OIDC token itself (GitHub Actions / GitLab id_token), as a Secret. */
  webIdentityToken: "AWS_WEB_IDENTITY_TOKEN",
  webIdentityTokenFile: "AWS_WEB_IDENTITY_TOKEN_FILE",
  /** GitHub Actions' request pair: a fresh JWT is fetched for every (re)assumption of the role. */
  githubRequestUrl: OIDC_REQUEST_ENV.url,
  githubRequestToken: OIDC_REQUEST_ENV.token,
} as const;

export interface SourceFromEnvOptions {
  /** Role to assume (usually `env.aws.roles.deploy`); none means use the keys directly. */
  roleArn?: string;
  /** Reads the token file named by AWS_WEB_IDENTITY_TOKEN_FILE (default: the file system). */
  readFile?: (path: string) => string;
}

/**
 * Decides the credential source from process environment variables:
 * an OIDC token (plus a role) wins, GitHub's request pair first because it can mint a fresh
 * token for each refresh; otherwise static keys (with optional session token),
 * used directly or as the base identity that assumes `roleArn`. Secrets are never echoed.
 */
export function credentialSourceFromEnv(vars: NodeJS.ProcessEnv, options: SourceFromEnvOptions): CredentialSource {
  const github = githubTokenProvider(vars);
  const token = github ?? readToken(vars, options.readFile);
  const keys = staticKeysFromEnv(vars);
  if (token !== undefined) {
    if (!options.roleArn) {
      throw userError(
        "aws.web-identity-without-role",
        "Failed to resolve credentials: an OIDC token was given but no role to assume with it",
        "Set aws.roles.deploy in the environment file, or pass --role-arn.",
      );
    }
    return { kind: "web-identity", roleArn: options.roleArn, token };
  }
  if (options.roleArn) return { kind: "assume-role", roleArn: options.roleArn, ...(keys ? { base: keys } : {}) };
  if (!keys) {
    throw userError(
      "aws.no-credentials",
      `Failed to resolve credentials: neither ${CREDENTIAL_ENV.accessKeyId}/${CREDENTIAL_ENV.secretAccessKey} nor an OIDC token (${CREDENTIAL_ENV.webIdentityToken}) is set, and the environment names no role`,
      "Pass AWS keys or a CI OIDC token as secrets, or configure aws.roles.deploy for the environment.",
    );
  }
  return { kind: "static", keys };
}

function githubTokenProvider(vars: NodeJS.ProcessEnv): (() => Promise<string>) | undefined {
  const requestUrl = vars[CREDENTIAL_ENV.githubRequestUrl];
  const requestToken = vars[CREDENTIAL_ENV.githubRequestToken];
  if (!requestUrl || !requestToken) return undefined;
  return () => requestActionsIdToken({ requestUrl, requestToken });
}

function staticKeysFromEnv(vars: NodeJS.ProcessEnv): StaticKeys | undefined {
  const accessKeyId = vars[CREDENTIAL_ENV.accessKeyId];
  const secretAccessKey = vars[CREDENTIAL_ENV.secretAccessKey];
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? CREDENTIAL_ENV.secretAccessKey : CREDENTIAL_ENV.accessKeyId;
    throw userError(
      "aws.partial-keys",
      `Failed to resolve credentials: ${missing} is missing while its pair is set`,
      "Pass both the access key id and the secret access key, or neither.",
    );
  }
  const sessionToken = vars[CREDENTIAL_ENV.sessionToken];
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

function readToken(
  vars: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (p) => readFileSync(p, "utf8"),
): string | undefined {
  const direct = vars[CREDENTIAL_ENV.webIdentityToken];
  if (direct) return direct.trim();
  const file = vars[CREDENTIAL_ENV.webIdentityTokenFile];
  if (!file) return undefined;
  try {
    return readFile(file).trim();
  } catch (err) {
    throw userError(
      "aws.token-file",
      `Failed to read OIDC token file ${file}: ${(err as Error).message}`,
      `Point ${CREDENTIAL_ENV.webIdentityTokenFile} at a readable file, or pass the token in ${CREDENTIAL_ENV.webIdentityToken}.`,
    );
  }
}
