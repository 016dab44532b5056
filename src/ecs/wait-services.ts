import { ECS, type Service } from "@aws-sdk/client-ecs";
import { openSession } from "../aws/index.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { awsError, sleep, type EcsApi } from "./api.js";
import type { CredentialOptions } from "./context.js";
import { shortTaskDefinition } from "./watch/snapshot.js";

export interface WaitServicesOptions {
  env: EnvironmentConfig;
  credentials: CredentialOptions;
  /** Default: the environment's deploy.timeoutSeconds. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  onProgress: (line: string) => void;
}

export type ServiceSettled = { service: string; outcome: "steady" | "failed" | "timeout" | "absent"; line: string };

/**
 * After an apply, waits for the ECS deployments it started (a new service, or a change
 * Terraform made to one) to end, so the deploys that follow start on a settled service
 * instead of refusing "a rollout is already in progress". Terraform does not wait: the
 * provider's aws_ecs_service returns once UpdateService/CreateService answer unless
 * wait_for_steady_state is set, and that wait prints nothing and has no bound of ours.
 * Bounded by the environment's deploy timeout; prints a line whenever a service's
 * deployments change.
 */
export async function waitServices(o: WaitServicesOptions): Promise<ServiceSettled[]> {
  const session = await openSession(o.env, { purpose: "deploy", vars: o.credentials.vars });
  const ecs = new ECS(session.config);
  try {
    return await pollUntilSettled(ecs, o);
  } finally {
    ecs.destroy();
  }
}

export async function pollUntilSettled(ecs: EcsApi, o: WaitServicesOptions): Promise<ServiceSettled[]> {
  const deadline = Date.now() + (o.timeoutMs ?? o.env.deploy.timeoutSeconds * 1000);
  const last = new Map<string, string>();
  for (;;) {
    const now = await Promise.all(o.env.services.map((s) => look(ecs, s.ecs.cluster, s.ecs.service, s.name)));
    for (const s of now) {
      if (last.get(s.service) !== s.line) o.onProgress(`${s.service}: ${s.line}`);
      last.set(s.service, s.line);
    }
    const pending = now.filter((s) => s.outcome === "timeout");
    if (pending.length === 0) return now;
    if (Date.now() >= deadline) return now;
    await sleep(o.pollIntervalMs ?? 3000);
  }
}

/** One service's state as a line; "timeout" here means "still rolling" until the deadline. */
async function look(ecs: EcsApi, cluster: string, name: string, service: string): Promise<ServiceSettled> {
  let svc: Service | undefined;
  try {
    svc = (await ecs.describeServices({ cluster, services: [name] })).services?.[0];
  } catch (err) {
    if (err instanceof Error && err.name === "ClusterNotFoundException") svc = undefined;
    else throw awsError(`describe service ${name} in cluster ${cluster}`, err);
  }
  if (!svc || svc.status !== "ACTIVE") return { service, outcome: "absent", line: "no such service (not created yet)" };
  const deployments = svc.deployments ?? [];
  const line = deployments
    .map(
      (d) =>
        `${d.status} ${d.rolloutState ?? ""} ${shortTaskDefinition(d.taskDefinition ?? "")} ${d.runningCount ?? 0}/${d.desiredCount ?? 0}`,
    )
    .join("; ");
  const primary = deployments.find((d) => d.status === "PRIMARY");
  if (deployments.length === 1 && primary?.rolloutState !== "IN_PROGRESS") {
    return { service, outcome: primary?.rolloutState === "FAILED" ? "failed" : "steady", line };
  }
  return { service, outcome: "timeout", line };
}
