import type { DesiredStatus, Service, Tag, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { PipelineError, userError } from "../errors.js";
import { awsError, type EcsApi } from "./api.js";
import { assertRollingDeployment } from "./strategy.js";

/** Looks the service up, refusing anything a deploy cannot safely act on. */
export async function describeService(ecs: EcsApi, cluster: string, service: string): Promise<Service> {
  let out;
  try {
    out = await ecs.describeServices({ cluster, services: [service] });
  } catch (err) {
    if (err instanceof Error && err.name === "ClusterNotFoundException") {
      throw userError(
        "ecs.cluster-not-found",
        `Failed to find cluster ${cluster}: it does not exist in this account and region`,
        "Check services[].ecs.cluster in the environment file, and that the platform has been applied.",
      );
    }
    throw awsError(`describe service ${service} in cluster ${cluster}`, err);
  }
  const svc = out.services?.[0];
  if (!svc || svc.status !== "ACTIVE") {
    throw userError(
      "ecs.service-not-found",
      `Failed to find service ${service} in cluster ${cluster}: ${svc ? `it is ${svc.status ?? "not active"}` : (out.failures?.[0]?.reason ?? "MISSING")}`,
      "Check services[].ecs.service in the environment file, and that the platform has been applied.",
    );
  }
  assertRollingDeployment(svc, service);
  if (!svc.taskDefinition) {
    throw new PipelineError(`Failed to deploy service ${service}: it has no task definition`, {
      code: "ecs.no-task-definition",
      source: "aws",
    });
  }
  return svc;
}

export interface DescribedTaskDefinition {
  taskDefinition: TaskDefinition;
  tags: Tag[];
}

/** Describes one revision (ARN or family:revision) with its tags; a missing one is the user's to fix. */
export async function describeTaskDefinition(ecs: EcsApi, ref: string): Promise<DescribedTaskDefinition> {
  try {
    const out = await ecs.describeTaskDefinition({ taskDefinition: ref, include: ["TAGS"] });
    if (!out.taskDefinition) throw new Error("empty answer");
    return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
  } catch (err) {
    if (err instanceof Error && (err.name === "ClientException" || err.name === "InvalidParameterException")) {
      throw userError(
        "ecs.task-definition-not-found",
        `Failed to find task definition ${ref}: ${err.message || "it does not exist"}`,
        "List revisions with `aws ecs list-task-definitions --family-prefix <family>`.",
      );
    }
    throw awsError(`describe task definition ${ref}`, err);
  }
}

/** Target groups the service registers its tasks in. */
export function targetGroupsOf(svc: Service): string[] {
  return [...new Set((svc.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((a): a is string => Boolean(a)))];
}

/**
 * The service's tasks of `desiredStatus`, described: ListTasks pages of 100 (at most `pages`),
 * DescribeTasks takes at most 100 at once. Only the service's own (group `service:<name>`).
 */
export async function serviceTasks(
  ecs: EcsApi,
  where: { cluster: string; service: string },
  desiredStatus: DesiredStatus,
  pages = Infinity,
): Promise<Task[]> {
  const { cluster, service } = where;
  const arns: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < pages; page += 1) {
    const listed = await ecs.listTasks({
      cluster,
      serviceName: service,
      desiredStatus,
      maxResults: 100,
      ...(nextToken ? { nextToken } : {}),
    });
    arns.push(...(listed.taskArns ?? []));
    nextToken = listed.nextToken;
    if (!nextToken) break;
  }
  const tasks: Task[] = [];
  for (let i = 0; i < arns.length; i += 100)
    tasks.push(...((await ecs.describeTasks({ cluster, tasks: arns.slice(i, i + 100) })).tasks ?? []));
  return tasks.filter((t) => t.group === undefined || t.group === `service:${service}`);
}
