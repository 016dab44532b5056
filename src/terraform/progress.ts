/** What plan and apply report while they run; the CLI prints them, tests collect them. */
export type TerraformProgress =
  | { kind: "step"; message: string }
  | { kind: "resource"; address: string; action: string; state: "started" | "done" | "failed"; seconds?: number };

/** One line a person can read, for the CLI's progress stream. */
export function formatProgress(event: TerraformProgress): string {
  if (event.kind === "step") return event.message;
  const took = event.seconds !== undefined ? ` (${event.seconds}s)` : "";
  return `${event.address}: ${event.action} ${event.state}${took}`;
}
