import { ECRClient, GetAuthorizationTokenCommand, type GetAuthorizationTokenCommandOutput } from "@aws-sdk/client-ecr";
import { openSession, type RolePurpose } from "../aws/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { PipelineError } from "../errors.js";
import type { RegistryCredentials } from "./registry-auth.js";

/** The one ECR call registry authorization needs. */
export interface EcrLike {
  send(command: GetAuthorizationTokenCommand): Promise<GetAuthorizationTokenCommandOutput>;
}

export interface EcrAuthorization extends RegistryCredentials {
  expiresAt: Date | undefined;
}

/** The ECR registry host of an environment: <account>.dkr.ecr.<region>.amazonaws.com */
export function ecrRegistry(env: Pick<EnvironmentConfig, "aws">): string {
  const suffix = env.aws.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `${env.aws.accountId}.dkr.ecr.${env.aws.region}.${suffix}`;
}

/**
 * A registry login for the environment's ECR: user "AWS" and a token valid for 12 hours.
 * The password is a secret: callers write it to an auth file or a Dagger Secret, never a log.
 */
export async function ecrAuthorization(
  ecr: EcrLike,
  env: Pick<EnvironmentConfig, "aws" | "name">,
): Promise<EcrAuthorization> {
  let out: GetAuthorizationTokenCommandOutput;
  try {
    out = await ecr.send(new GetAuthorizationTokenCommand({}));
  } catch (err) {
    throw new PipelineError(`Failed to get an ECR authorization token for ${env.name}: ${(err as Error).message}`, {
      code: "images.ecr-auth",
      source: "aws",
      cause: err,
      hint: "The deploy role needs ecr:GetAuthorizationToken (on resource *).",
    });
  }
  const data = out.authorizationData?.[0];
  const decoded = data?.authorizationToken ? Buffer.from(data.authorizationToken, "base64").toString("utf8") : "";
  const colon = decoded.indexOf(":");
  if (!data || colon <= 0) {
    throw new PipelineError(`Failed to get an ECR authorization token for ${env.name}: the answer held no token`, {
      code: "images.ecr-auth",
      source: "aws",
    });
  }
  return {
    registry: data.proxyEndpoint ? new URL(data.proxyEndpoint).host : ecrRegistry(env),
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    expiresAt: data.expiresAt,
  };
}

/** The environment's ECR login, with the role for `purpose` assumed from the credentials in `vars`. */
export async function ecrLogin(
  env: EnvironmentConfig,
  vars: NodeJS.ProcessEnv,
  purpose: RolePurpose = "deploy",
): Promise<EcrAuthorization> {
  const session = await openSession(env, { purpose, vars });
  return ecrAuthorization(new ECRClient(session.config), env);
}
