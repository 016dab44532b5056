import type { TaskDefinition } from "@aws-sdk/client-ecs";
import type { ServiceConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { checkedContainers } from "./container-health.js";

export interface HealthGateInput {
  verb: "deploy" | "roll back";
  cfg: ServiceConfig;
  /** The revision about to run (rendered or registered): its containers' health checks. */
  revision: Pick<TaskDefinition, "containerDefinitions">;
  /** How a person names that revision, e.g. open-webui:7 or "the new revision". */
  label: string;
  targetGroups: string[];
  healthUrl?: string;
}

/**
 * Before any change: something must be able to call the revision healthy once it runs (ALB
 * targets, a container health check, or a URL). A rollout judged by nothing is refused (exit
 * 2, nothing registered), unless the service's config says `healthCheck.none` with a reason.
 */
export function requireSomethingToCheck(input: HealthGateInput): void {
  const { cfg } = input;
  if (input.targetGroups.length > 0 || input.healthUrl || cfg.healthCheck.none) return;
  if (checkedContainers(input.revision).length > 0) return;
  throw userError(
    "ecs.nothing-to-check",
    `Failed to ${input.verb} service ${cfg.name}: nothing would judge its health: ${input.label} defines no container health check (no essential container has a healthCheck), the service has no ALB target group and no healthCheck.url`,
    `Give its container a health check (terraform/modules/ecs adds one from services[].healthCheck.path in environments/<env>.json; plan and apply, then deploy again), pass --health-url, or, to deploy it unchecked on purpose, set "healthCheck": { "none": true, "reason": "<why>" } for ${cfg.name}.`,
  );
}
