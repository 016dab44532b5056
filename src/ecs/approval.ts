import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";

/**
 * Environments with `approval.required` refuse mutating verbs unless the caller confirms
 * by naming the environment: a typed `--confirm prod`, not a reflexive `--yes`.
 */
export function requireApproval(
  env: Pick<EnvironmentConfig, "name" | "approval">,
  confirm: string | undefined,
  verb: string,
): void {
  if (!env.approval.required || confirm === env.name) return;
  throw userError(
    "approval.required",
    `Failed to ${verb} to ${env.name}: this environment requires approval and ${confirm ? `the confirmation "${confirm}" does not name it` : "no confirmation was given"}`,
    `Re-run with --confirm ${env.name} once the change is approved (a dry run needs no confirmation).`,
  );
}
