import { Interrupted } from "../ecs/resilience.js";
import type { CommandIO } from "./command.js";

/** What a verb interrupted before any change exits with: 128 + SIGINT, the shell's convention. */
export const INTERRUPTED_EXIT = 130;

export interface Interrupts {
  signal: AbortSignal;
  /** Records where the service stands, for the message a second signal prints. */
  note(state: string): void;
  dispose(): void;
}

/**
 * SIGINT/SIGTERM while deploy-service or rollback runs (a CI cancel, a job timeout, Ctrl-C).
 * The first aborts `signal`: the verb asks ECS to go back to the revision that ran before
 * within seconds and prints its report (exit 5: the restore was started, not verified). A
 * second signal exits at once, saying what state it leaves: 5 once the service was changed,
 * 130 before. GitHub Actions sends SIGINT, then SIGTERM 7.5 s later, then kills the process
 * tree 2.5 s after that (https://docs.github.com/en/actions/reference/workflow-cancellation-reference).
 */
export function trapInterrupts(io: CommandIO, exit: (code: number) => never = (c) => process.exit(c)): Interrupts {
  const controller = new AbortController();
  let state = "";
  const handler = (sig: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      io.log(
        `${sig}: stopping. ${state ? "Asking ECS to go back to the revision that ran before, then reporting" : "Nothing was changed"}; send ${sig} again to exit at once.`,
      );
      controller.abort(new Interrupted(sig));
      return;
    }
    io.log(`${sig} again: exiting now. ${state ? `The service was left as: ${state}.` : "Nothing was changed."}`);
    exit(state ? 5 : INTERRUPTED_EXIT);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    note: (s) => (state = s),
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
