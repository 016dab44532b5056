import type { EnvironmentConfig } from "../config/schema.js";
import type { CredentialProvider } from "./credentials.js";

/** The settings every AWS SDK v3 client of ours is built with. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials: CredentialProvider;
  maxAttempts?: number;
}

export interface ClientConfigOptions {
  /** SDK attempts per call, retries included (throttling is retried with backoff). Default 3. */
  maxAttempts?: number;
}

/**
 * Client settings for one environment: its region, its emulator endpoint when the
 * environment file sets `aws.endpoint`, and the given credentials. Pass the result to any
 * client: `new ECSClient(clientConfig(env, creds))`.
 */
export function clientConfig(
  env: Pick<EnvironmentConfig, "aws">,
  credentials: CredentialProvider,
  options: ClientConfigOptions = {},
): AwsClientConfig {
  return {
    region: env.aws.region,
    ...(env.aws.endpoint ? { endpoint: env.aws.endpoint } : {}),
    credentials,
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}
