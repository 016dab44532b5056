import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError } from "../errors.js";
import type { AwsClientConfig } from "./clients.js";

/** Who the credentials belong to, as STS says. */
export interface CallerIdentity {
  account: string;
  arn: string;
}

/** The one STS call the guard needs; an `STSClient` fits. */
export interface StsLike {
  send(command: GetCallerIdentityCommand): Promise<{ Account?: string; Arn?: string }>;
}

/** Asks STS who we are. */
export async function getCallerIdentity(sts: StsLike): Promise<CallerIdentity> {
  let out;
  try {
    out = await sts.send(new GetCallerIdentityCommand({}));
  } catch (err) {
    throw new PipelineError(`Failed to get caller identity from STS: ${(err as Error).message}`, {
      code: "aws.caller-identity",
      source: "aws",
      cause: err,
      hint: "Check the credentials are valid and not expired, and that STS is reachable.",
    });
  }
  if (!out.Account) {
    throw new PipelineError("Failed to get caller identity from STS: no account in the answer", {
      code: "aws.caller-identity",
      source: "aws",
    });
  }
  return { account: out.Account, arn: out.Arn ?? "(unknown arn)" };
}

/** Refuses, with both account ids, when the identity is not in the environment's account. */
export function assertAccount(env: Pick<EnvironmentConfig, "name" | "aws">, identity: CallerIdentity): void {
  if (identity.account === env.aws.accountId) return;
  throw new PipelineError(
    `Failed to verify AWS account for environment ${env.name}: credentials belong to account ${identity.account} (${identity.arn}), but ${env.name} is account ${env.aws.accountId}`,
    {
      code: "aws.wrong-account",
      source: "user",
      hint: `Use credentials (or a role) in account ${env.aws.accountId}, or pick the environment that lives in ${identity.account}. Nothing was changed.`,
    },
  );
}

/**
 * The guard every mutating verb calls first: GetCallerIdentity, then `assertAccount`.
 * Returns the identity so callers can report who acted.
 */
export async function guardAccount(
  env: Pick<EnvironmentConfig, "name" | "aws">,
  config: AwsClientConfig,
): Promise<CallerIdentity> {
  const sts = new STSClient(config);
  try {
    const identity = await getCallerIdentity(sts);
    assertAccount(env, identity);
    return identity;
  } finally {
    sts.destroy();
  }
}
