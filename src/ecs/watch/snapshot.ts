import type { Deployment, Service, ServiceEvent, Task } from "@aws-sdk/client-ecs";

/** What one poll saw of a service: only the fields the watcher reasons about. */
export interface ServiceSnapshot {
  at: number;
  taskDefinition: string;
  desiredCount: number;
  runningCount: number;
  deployments: DeploymentView[];
  events: EventView[];
  stoppedTasks: StoppedTaskView[];
}

export interface DeploymentView {
  id: string;
  status: string;
  taskDefinition: string;
  rolloutState?: string;
  rolloutStateReason?: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
}

export interface EventView {
  id: string;
  at: number;
  message: string;
}

export interface StoppedTaskView {
  arn: string;
  startedBy: string;
  taskDefinition: string;
  reason: string;
}

export function toSnapshot(service: Service, stopped: Task[], at: number): ServiceSnapshot {
  return {
    at,
    taskDefinition: service.taskDefinition ?? "",
    desiredCount: service.desiredCount ?? 0,
    runningCount: service.runningCount ?? 0,
    deployments: (service.deployments ?? []).map(toDeployment),
    events: (service.events ?? []).map(toEvent),
    stoppedTasks: stopped.map(toStoppedTask),
  };
}

function toDeployment(d: Deployment): DeploymentView {
  return {
    id: d.id ?? "(no id)",
    status: d.status ?? "UNKNOWN",
    taskDefinition: d.taskDefinition ?? "",
    ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
    ...(d.rolloutStateReason ? { rolloutStateReason: d.rolloutStateReason } : {}),
    desiredCount: d.desiredCount ?? 0,
    runningCount: d.runningCount ?? 0,
    pendingCount: d.pendingCount ?? 0,
    failedTasks: d.failedTasks ?? 0,
  };
}

function toEvent(e: ServiceEvent): EventView {
  return {
    id: e.id ?? `${String(e.createdAt)}-${e.message ?? ""}`,
    at: e.createdAt?.getTime() ?? 0,
    message: e.message ?? "",
  };
}

function toStoppedTask(t: Task): StoppedTaskView {
  const containers = (t.containers ?? [])
    .filter((c) => c.reason || (c.exitCode !== undefined && c.exitCode !== 0))
    .map((c) => `${c.name ?? "container"}: ${c.reason ?? `exit code ${String(c.exitCode)}`}`);
  const reason = [t.stoppedReason ?? t.stopCode ?? "stopped", ...containers].join("; ");
  return { arn: t.taskArn ?? "", startedBy: t.startedBy ?? "", taskDefinition: t.taskDefinitionArn ?? "", reason };
}

/** `family:revision` from a task-definition ARN (or the string itself). */
export function shortTaskDefinition(arn: string): string {
  return arn.split("/").pop() ?? arn;
}
