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
  /** rollback --allow-unchecked: the person rolling back accepts a revision nothing judges. */
  allowUnchecked?: boolean;
}

/** ALB targets, a URL, a container health check, or the config's explicit healthCheck.none. */
export function somethingJudges(input: HealthGateInput): boolean {
  if (input.targetGroups.length > 0 || input.healthUrl || input.cfg.healthCheck.none) return true;
  return checkedContainers(input.revision).length > 0;
}

/**
 * Before any change: something must be able to call the revision healthy once it runs (ALB
 * targets, a container health check, or a URL). A rollout judged by nothing is refused (exit
 * 2, nothing registered), unless the service's config says `healthCheck.none` with a reason.
 */
export function requireSomethingToCheck(input: HealthGateInput): void {
  const { cfg } = input;
  if (input.allowUnchecked || somethingJudges(input)) return;
  // A rollback is an incident's way back to a revision that may predate container health checks:
  // rebuilding it with one is not an option then, so it gets its own explicit, loud bypass.
  const fix =
    input.verb === "roll back"
      ? `Pass --health-url with a URL of the service reachable from here, or --allow-unchecked to roll back with nothing checked (printed as a warning and kept in the report); for good, set "healthCheck": { "none": true, "reason": "<why>" } for ${cfg.name} or give the revision's container a health check.`
      : `Give its container a health check (terraform/modules/ecs adds one from services[].healthCheck.path in environments/<env>.json; plan and apply, then deploy again), pass --health-url, or, to deploy it unchecked on purpose, set "healthCheck": { "none": true, "reason": "<why>" } for ${cfg.name}.`;
  throw userError(
    "ecs.nothing-to-check",
    `Failed to ${input.verb} service ${cfg.name}: nothing would judge its health: ${input.label} defines no container health check (no essential container has a healthCheck), the service has no ALB target group and no healthCheck.url`,
    fix,
  );
}
