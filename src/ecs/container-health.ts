import type { ContainerDefinition, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { awsError, type EcsApi } from "./api.js";
import { serviceTasks } from "./service.js";
import { shortTaskDefinition } from "./watch/snapshot.js";
import { sameTaskDefinition } from "./watch/state.js";

/**
 * Container health of a revision's tasks, as ECS reports it in DescribeTasks
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html): a container
 * with a health check is UNKNOWN while it is evaluated (its startPeriod, its first checks),
 * then HEALTHY, or UNHEALTHY after `retries` failed checks in a row. The task's own
 * healthStatus aggregates its essential containers; a nonessential container's check does not
 * count, and neither does it here.
 */

/** An essential container of the revision that defines a health check: what must be HEALTHY. */
export interface CheckedContainer {
  name: string;
  /** The check's command, to say in a failure what failed. */
  command: string;
}

/** One look at the containers. `final`: UNHEALTHY is ECS's verdict after its own retries; checking again will not change it. */
export interface ContainerVerdict {
  ok: boolean;
  final: boolean;
  detail: string;
}

/** The essential containers of `td` that define a health check (essential is true when omitted). */
export function checkedContainers(td: Pick<TaskDefinition, "containerDefinitions">): CheckedContainer[] {
  return (td.containerDefinitions ?? [])
    .filter((c: ContainerDefinition) => c.essential !== false && (c.healthCheck?.command?.length ?? 0) > 0)
    .map((c) => ({ name: c.name ?? "?", command: describeCommand(c.healthCheck?.command ?? []) }));
}

function describeCommand(command: string[]): string {
  const [kind, ...rest] = command;
  const text = kind === "CMD" || kind === "CMD-SHELL" ? rest.join(" ") : command.join(" ");
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * The verdict on the RUNNING tasks of `revision`: every checked container of every task
 * HEALTHY. Any UNHEALTHY one fails at once, naming the container, the tasks and why; UNKNOWN
 * (still starting) or no running task yet is "not yet", worth another look.
 */
export function judgeContainers(tasks: Task[], revision: string, checked: CheckedContainer[]): ContainerVerdict {
  const label = shortTaskDefinition(revision);
  const ours = tasks.filter(
    (t) => sameTaskDefinition(t.taskDefinitionArn ?? "", revision) && (t.lastStatus ?? "RUNNING") === "RUNNING",
  );
  if (ours.length === 0) return { ok: false, final: false, detail: `containers of ${label}: no running task yet` };
  const { unhealthy, waiting } = survey(ours, checked);
  if (unhealthy.size > 0) {
    const lines = [...unhealthy.values()].map(
      (u) => `${u.who} UNHEALTHY in ${u.tasks.length}/${ours.length} tasks (${u.tasks.join(", ")}): ${u.reason}`,
    );
    return { ok: false, final: true, detail: `containers of ${label}: ${lines.join("; ")}` };
  }
  if (waiting.length > 0)
    return { ok: false, final: false, detail: `containers of ${label}: still being checked (${waiting.join("; ")})` };
  const names = checked.map((c) => c.name).join(", ");
  return {
    ok: true,
    final: false,
    detail: `containers: ${ours.length}/${ours.length} tasks of ${label} healthy (${names})`,
  };
}

interface Unhealthy {
  who: string;
  reason: string;
  tasks: string[];
}

/** Each checked container's status in each task: the UNHEALTHY ones grouped by container and reason, the rest not yet HEALTHY. */
function survey(tasks: Task[], checked: CheckedContainer[]): { unhealthy: Map<string, Unhealthy>; waiting: string[] } {
  const unhealthy = new Map<string, Unhealthy>();
  const waiting: string[] = [];
  const add = (who: string, reason: string, id: string) => {
    const entry = unhealthy.get(`${who}\n${reason}`) ?? { who, reason, tasks: [] };
    unhealthy.set(`${who}\n${reason}`, { ...entry, tasks: [...entry.tasks, id] });
  };
  for (const task of tasks) {
    const id = (task.taskArn ?? "?").split("/").pop() ?? "?";
    let failed = false;
    for (const want of checked) {
      const c = task.containers?.find((x) => x.name === want.name);
      const status = c?.healthStatus ?? "UNKNOWN";
      if (status === "UNHEALTHY") {
        failed = true;
        add(`container ${want.name}`, c?.reason ?? `its health check \`${want.command}\` failed`, id);
      } else if (status !== "HEALTHY") waiting.push(`task ${id}: ${want.name} ${status}`);
    }
    // The task's own aggregate, for an essential container the revision's definition did not show us.
    if (task.healthStatus === "UNHEALTHY" && !failed) add("an essential container", "the task reports UNHEALTHY", id);
  }
  return { unhealthy, waiting };
}

/** Lists the service's RUNNING tasks, describes them, and judges those of `revision`. */
export async function checkContainers(
  ecs: EcsApi,
  where: { cluster: string; service: string },
  revision: string,
  checked: CheckedContainer[],
): Promise<ContainerVerdict> {
  const { service } = where;
  let tasks: Task[];
  try {
    tasks = await serviceTasks(ecs, where, "RUNNING");
  } catch (err) {
    throw awsError(`describe the running tasks of service ${service}`, err);
  }
  return judgeContainers(tasks, revision, checked);
}
