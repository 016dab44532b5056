/**
 * When to poll next. A rollout's end comes right after something visible moves: new tasks
 * reach RUNNING, old ones drain and stop, the circuit breaker counts failed tasks, and ECS
 * then marks the deployment COMPLETED or FAILED
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Deployment.html: rolloutState).
 * So the pause is short just after a change and grows while nothing changes; and a budget
 * keeps the average at or under one call per `budgetIntervalMs`, however often the service
 * churns. Pure: the caller supplies the clock.
 */
export interface PacingOptions {
  /** Shortest pause, right after a change. */
  minIntervalMs: number;
  /** Longest pause while nothing changes. */
  maxIntervalMs: number;
  /** The pause grows by this fraction of the time since the last change. */
  quietFactor: number;
  /** On average no more than one call per this many milliseconds, measured from the start. */
  budgetIntervalMs: number;
  /** Calls allowed ahead of the average (the first polls and the bursts after changes). */
  burst: number;
}

export const DEFAULT_PACING: PacingOptions = {
  minIntervalMs: 250,
  maxIntervalMs: 3000,
  quietFactor: 0.2,
  // 2.1 s, not 2 s: with the burst, a 10-minute rollout stays under 300 calls (one per 2 s).
  budgetIntervalMs: 2100,
  burst: 10,
};

export class Pacer {
  private calls = 0;
  private lastChange: number;

  constructor(
    private readonly started: number,
    private readonly options: PacingOptions = DEFAULT_PACING,
  ) {
    this.lastChange = started;
  }

  /** Records one call, and whether it showed anything new. */
  polled(at: number, changed: boolean): void {
    this.calls += 1;
    if (changed) this.lastChange = at;
  }

  /** Milliseconds to wait at `now` before the next call. */
  delay(now: number): number {
    const o = this.options;
    const quiet = Math.max(0, now - this.lastChange);
    const wanted = Math.min(o.maxIntervalMs, Math.max(o.minIntervalMs, quiet * o.quietFactor));
    // The next call may be number calls+1; the budget allows it at started + (calls+1-burst) * budget.
    const allowedAt = this.started + (this.calls + 1 - o.burst) * o.budgetIntervalMs;
    return Math.max(wanted, allowedAt - now);
  }
}

/**
 * Pacing from a requested shortest pause (`--poll-interval-ms`): shorter than the default
 * scales every figure down (tests), longer keeps the default ceiling and budget unless it
 * exceeds them.
 */
export function pacingFor(minIntervalMs?: number): PacingOptions {
  if (minIntervalMs === undefined) return DEFAULT_PACING;
  const scale = Math.min(1, minIntervalMs / DEFAULT_PACING.minIntervalMs);
  return {
    ...DEFAULT_PACING,
    minIntervalMs,
    maxIntervalMs: Math.max(minIntervalMs, DEFAULT_PACING.maxIntervalMs * scale),
    budgetIntervalMs: Math.max(minIntervalMs, DEFAULT_PACING.budgetIntervalMs * scale),
  };
}
