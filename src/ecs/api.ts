import type { ECS } from "@aws-sdk/client-ecs";
import type { ElasticLoadBalancingV2 } from "@aws-sdk/client-elastic-load-balancing-v2";
import { PipelineError } from "../errors.js";

/** The ECS calls the deployer makes, and nothing else (an `ECS` client fits). */
export type EcsApi = Pick<
  ECS,
  | "describeServices"
  | "describeTaskDefinition"
  | "registerTaskDefinition"
  | "updateService"
  | "listTasks"
  | "describeTasks"
  | "listTaskDefinitions"
  | "deregisterTaskDefinition"
  | "tagResource"
  | "listTagsForResource"
  | "listServiceDeployments"
  | "describeServiceDeployments"
>;

/** The one ELBv2 call the health check makes. */
export type ElbApi = Pick<ElasticLoadBalancingV2, "describeTargetHealth">;

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

/** True for AWS's "slow down" answers, whatever the service calls them. */
export function isThrottling(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return THROTTLING.has(err.name) || status === 429;
}

/** Wraps an SDK failure as `Failed to <act> <resource>: <cause>`, keeping PipelineErrors as they are. */
export function awsError(act: string, err: unknown, hint?: string): PipelineError {
  if (err instanceof PipelineError) return err;
  const cause = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new PipelineError(`Failed to ${act}: ${cause}`, {
    code: "aws.ecs",
    source: "aws",
    cause: err,
    ...(hint ? { hint } : {}),
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
