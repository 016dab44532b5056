import { PipelineError } from "../errors.js";
import { isThrottling } from "./api.js";

/**
 * Riding out AWS's bad moments. Once a deploy has changed the service, an error that goes
 * away by itself must not end the deploy: every call is retried with capped, jittered
 * backoff until the phase's deadline, credentials are re-minted when AWS says they expired,
 * and only an error that will not go away (access denied, bad input) or the deadline ends it.
 * AWS's guidance: retry throttling, 5xx and connection errors with exponential backoff and
 * jitter (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
 */
export type TransientKind = "throttling" | "server" | "network" | "unparseable" | "credentials";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "NetworkingError"]);
/** What AWS answers when a session token ran out or was revoked; a fresh AssumeRole fixes it. */
const CREDENTIAL_NAMES = new Set([
  "ExpiredTokenException",
  "ExpiredToken",
  "RequestExpired",
  "TokenRefreshRequired",
  "UnrecognizedClientException",
  "InvalidClientTokenId",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** Why an error is worth retrying, or undefined when it is not. */
export function transientKind(err: unknown): TransientKind | undefined {
  if (err instanceof PipelineError) return err.cause === undefined ? undefined : transientKind(err.cause);
  if (!err || typeof err !== "object") return undefined;
  const e = err as SdkErrorShape;
  const name = e.name ?? "";
  const status = e.$metadata?.httpStatusCode;
  if (isThrottling(err)) return "throttling";
  if (CREDENTIAL_NAMES.has(name)) return "credentials";
  if (NETWORK_CODES.has(e.code ?? "") || NETWORK_NAMES.has(name) || /socket hang up|ECONNRESET/i.test(e.message ?? ""))
    return "network";
  if (name === "SyntaxError" || /Deserialization error|Unexpected token|not valid JSON/i.test(e.message ?? ""))
    return "unparseable";
  if ((status !== undefined && status >= 500) || e.$fault === "server") return "server";
  if (e.cause && e.cause !== err) return transientKind(e.cause);
  return undefined;
}

/** The error an interrupted call ends with; the deploy then restores instead of waiting. */
export class Interrupted extends PipelineError {
  constructor(readonly signalName: string) {
    super(`Interrupted by ${signalName}`, { code: "interrupted", source: "user" });
  }
}

const FIRST_ATTEMPT_FLOOR_MS = 1500;

export interface RetryPolicy {
  /** Epoch ms after which a transient error is final; read when a call starts. */
  deadline: () => number;
  /** Aborting ends the wait and the call in flight at once with Interrupted. */
  signal?: AbortSignal;
  /** First backoff; doubles up to `capMs`. Default 250 ms. */
  baseMs?: number;
  /** Longest pause between attempts. Default 5 s. */
  capMs?: number;
  /** Fetches fresh credentials after an expired-token answer. */
  remint?: () => Promise<void>;
  onRetry?: (r: { what: string; kind: TransientKind; error: string; retryInMs: number }) => void;
}

/**
 * Calls `fn` until it succeeds. Transient errors are retried until the deadline, then thrown
 * as `Failed to <what>: AWS kept failing for Ns (<last error>)` with code aws.unavailable.
 */
export async function retrying<T>(
  what: string,
  policy: RetryPolicy,
  fn: (signal?: AbortSignal) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const deadline = policy.deadline(); // read once per call: phases move it between calls
  let delay = policy.baseMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(policy.signal);
    // A request still in flight at the deadline is cut there (a hung connection never outlives
    // the phase), but a call's first attempt always gets a short window of its own.
    const cut = AbortSignal.timeout(Math.max(attempt === 1 ? FIRST_ATTEMPT_FLOOR_MS : 1, deadline - Date.now()));
    const signal = policy.signal ? AbortSignal.any([policy.signal, cut]) : cut;
    try {
      return await raceAbort(fn(signal), policy.signal);
    } catch (err) {
      if (policy.signal?.aborted) throw interruptedBy(policy.signal);
      if (cut.aborted) throw unavailable(what, err, Date.now() - started, attempt);
      const kind = transientKind(err);
      if (!kind) throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw unavailable(what, err, Date.now() - started, attempt);
      if (kind === "credentials" && policy.remint) await policy.remint().catch(() => undefined);
      const pause = Math.min(left, jitter(delay));
      policy.onRetry?.({ what, kind, error: short(err), retryInMs: pause });
      await abortableSleep(pause, policy.signal);
      delay = Math.min(delay * 2, policy.capMs ?? 5000);
    }
  }
}

function unavailable(what: string, err: unknown, elapsedMs: number, attempts: number): PipelineError {
  return new PipelineError(
    `Failed to ${what}: AWS kept failing for ${(elapsedMs / 1000).toFixed(1)}s over ${attempts} attempts (last: ${short(err)})`,
    { code: "aws.unavailable", source: "aws", cause: err },
  );
}

/** `Name: message`, one line, without a wall of HTML. */
export function short(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as SdkErrorShape).$metadata?.httpStatusCode;
  const message = err.message.replace(/\s+/g, " ").slice(0, 160);
  return `${err.name}${status ? ` (HTTP ${status})` : ""}: ${message}`;
}

function jitter(ms: number): number {
  return Math.round(ms / 2 + Math.random() * (ms / 2));
}

function interruptedBy(signal: AbortSignal): Interrupted {
  const reason: unknown = signal.reason;
  return reason instanceof Interrupted ? reason : new Interrupted(typeof reason === "string" ? reason : "an interrupt");
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interruptedBy(signal);
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(interruptedBy(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Sleeps `ms`, ending early (with Interrupted) when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interruptedBy(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(interruptedBy(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The client `current()` returns (rebuilt when credentials are re-minted), every method
 * retried under `policy`. Methods receive the abort signal as the SDK's `abortSignal`
 * option, so an interrupt cancels the request in flight.
 */
export function resilient<T extends object>(current: () => T, label: string, policy: RetryPolicy): T {
  return new Proxy(current(), {
    get(_target, prop) {
      const client = current();
      const value: unknown = Reflect.get(client, prop, client);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      // Errors that will not go away are thrown as the SDK raised them: callers name them.
      return (input: unknown) =>
        retrying(`call ${label} ${prop}`, policy, (signal) => {
          const fresh = current();
          const method = Reflect.get(fresh, prop, fresh) as (input: unknown, options?: unknown) => Promise<unknown>;
          return method.call(fresh, input, signal ? { abortSignal: signal } : undefined);
        });
    },
  });
}
