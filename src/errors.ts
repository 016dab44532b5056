/**
 * One error type for the whole core. `source` says whose move it is: the user fixes their
 * input, AWS (or another tool) failed underneath us, or we have a bug. The CLI maps it to
 * an exit code; `hint` says what to do next.
 */
export type ErrorSource = "user" | "aws" | "tool" | "bug";

export interface PipelineErrorOptions {
  code: string;
  source: ErrorSource;
  hint?: string;
  cause?: unknown;
}

export class PipelineError extends Error {
  readonly code: string;
  readonly source: ErrorSource;
  readonly hint: string | undefined;

  constructor(message: string, options: PipelineErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PipelineError";
    this.code = options.code;
    this.source = options.source;
    this.hint = options.hint;
  }
}

export const EXIT_CODES: Record<ErrorSource, number> = { user: 2, aws: 3, tool: 4, bug: 70 };

export function userError(code: string, message: string, hint?: string): PipelineError {
  return new PipelineError(message, { code, source: "user", ...(hint === undefined ? {} : { hint }) });
}

/** Formats any thrown value for a person: message, then the hint on its own line. */
export function describeError(err: unknown): string {
  if (err instanceof PipelineError) {
    return err.hint ? `${err.message}\nHint: ${err.hint}` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
