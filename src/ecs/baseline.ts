import type { Service } from "@aws-sdk/client-ecs";
import { historyKeys, tagValue } from "./history.js";
import { mark, scopeOf } from "./recover.js";
import { checkHealth, type Rollout } from "./rollout.js";
import type { DescribedTaskDefinition } from "./service.js";

/**
 * Before a deploy: record the running revision as stable only when it is, right now: one
 * deployment, COMPLETED, running = desired, one health check passing, and never over a
 * `failed` mark. This is what later lets `rollback` return to it; a revision that never
 * settled is left unmarked instead of blessed.
 */
export async function recordBaseline(
  r: Rollout,
  svc: Service,
  current: DescribedTaskDefinition,
  warnings: string[],
): Promise<void> {
  const arn = current.taskDefinition.taskDefinitionArn ?? svc.taskDefinition ?? "";
  const status = tagValue(current.tags, historyKeys(scopeOf(r)).status);
  if (status === "stable" || status === "failed") return;
  const deployments = svc.deployments ?? [];
  const only = deployments[0];
  const steady =
    deployments.length === 1 &&
    (only?.rolloutState === undefined || only.rolloutState === "COMPLETED") &&
    (svc.runningCount ?? 0) >= (svc.desiredCount ?? 0);
  if (!steady) return;
  const health = await checkHealth({ ...r, timing: { ...r.timing, healthAttempts: 1 } }, arn).catch(() => undefined);
  if (health?.ok) await mark(r, arn, "stable", warnings);
}
