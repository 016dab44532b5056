import { awsError, type ElbApi } from "./api.js";
import type { ContainerVerdict } from "./container-health.js";
import { abortableSleep } from "./resilience.js";

export interface HealthOptions {
  elb: ElbApi;
  /** Target groups of the service (from its loadBalancers); empty skips the ALB check. */
  targetGroupArns: string[];
  /** HTTP URL probed after the rollout; absent skips the HTTP check. */
  url?: string;
  /** The revision's containers with a health check (src/ecs/container-health.ts); absent skips them. */
  containers?: { names: string[]; probe: () => Promise<ContainerVerdict> };
  /** Why nothing is checked, when nothing is (said in the result). */
  unchecked: string;
  /** Checks before giving up. Default 6. */
  attempts?: number;
  /** Pause between checks. Default 5 s. */
  intervalMs?: number;
  /** Per-request timeout of the HTTP probe. Default 5 s. */
  requestTimeoutMs?: number;
  onAttempt?: (result: HealthAttempt) => void;
  /** Ends the pauses between checks at once. */
  signal?: AbortSignal;
}

export interface HealthAttempt {
  attempt: number;
  ok: boolean;
  /** Failed for good (an UNHEALTHY container): no further attempt follows. */
  final?: boolean;
  details: string[];
}

export interface HealthResult {
  checked: boolean;
  /** What was checked: "ALB targets (<group>)", "containers (<names>)", "URL <url>". */
  what?: string[];
  ok: boolean;
  attempts: number;
  details: string[];
}

/**
 * After a rollout: every registered target of the service's target groups healthy, every
 * checked container of the revision's tasks HEALTHY, and the health URL answering 2xx/3xx.
 * Retries, because targets pass their health checks a little after ECS calls the service
 * steady and containers are UNKNOWN until their first checks ran.
 */
export async function verifyHealth(options: HealthOptions): Promise<HealthResult> {
  const what = [
    ...options.targetGroupArns.map((arn) => `ALB targets (${arn.split(":").pop() ?? arn})`),
    ...(options.containers ? [`containers (${options.containers.names.join(", ")})`] : []),
    ...(options.url ? [`URL ${options.url}`] : []),
  ];
  if (what.length === 0)
    return {
      checked: false,
      ok: true,
      attempts: 0,
      details: [options.unchecked],
    };
  const attempts = options.attempts ?? 6;
  let details: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const results: Check[] = await Promise.all([
      ...options.targetGroupArns.map((arn) => checkTargetGroup(options.elb, arn)),
      ...(options.containers ? [options.containers.probe()] : []),
      ...(options.url ? [checkUrl(options.url, options.requestTimeoutMs ?? 5000)] : []),
    ]);
    const ok = results.every((r) => r.ok);
    // ECS already retried an UNHEALTHY container's check `retries` times: looking again changes nothing.
    const final = results.some((r) => !r.ok && r.final);
    details = results.map((r) => r.detail);
    options.onAttempt?.({ attempt, ok, ...(final ? { final } : {}), details });
    if (ok) return { checked: true, what, ok, attempts: attempt, details };
    if (final) return { checked: true, what, ok: false, attempts: attempt, details };
    if (attempt < attempts) await abortableSleep(options.intervalMs ?? 5000, options.signal);
  }
  return { checked: true, what, ok: false, attempts, details };
}

interface Check {
  ok: boolean;
  detail: string;
  /** A failure that another look will not change. */
  final?: boolean;
}

async function checkTargetGroup(elb: ElbApi, arn: string): Promise<Check> {
  const name = arn.split(":").pop() ?? arn;
  let out;
  try {
    out = await elb.describeTargetHealth({ TargetGroupArn: arn });
  } catch (err) {
    throw awsError(`describe target health of ${name}`, err);
  }
  const targets = out.TargetHealthDescriptions ?? [];
  const states = targets.map((t) => ({
    id: `${t.Target?.Id ?? "?"}:${t.Target?.Port ?? "?"}`,
    state: t.TargetHealth?.State ?? "unknown",
    reason: t.TargetHealth?.Description ?? t.TargetHealth?.Reason,
  }));
  const serving = states.filter((s) => s.state !== "draining" && s.state !== "unused");
  const bad = serving.filter((s) => s.state !== "healthy");
  if (serving.length === 0) return { ok: false, detail: `${name}: no registered targets` };
  if (bad.length > 0)
    return {
      ok: false,
      detail: `${name}: ${bad.length}/${serving.length} targets not healthy (${bad.map((b) => `${b.id} ${b.state}${b.reason ? `: ${b.reason}` : ""}`).join(", ")})`,
    };
  return { ok: true, detail: `${name}: ${serving.length}/${serving.length} targets healthy` };
}

async function checkUrl(url: string, timeoutMs: number): Promise<Check> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel();
    const ok = res.status >= 200 && res.status < 400;
    return { ok, detail: `${url}: HTTP ${res.status}` };
  } catch (err) {
    return {
      ok: false,
      detail: `${url}: ${(err as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : (err as Error).message}`,
    };
  }
}
