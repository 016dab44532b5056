import { describe, expect, it } from "vitest";
import { DEFAULT_PACING, Pacer, pacingFor } from "../../../src/ecs/watch/pacing.js";

/**
 * Drives a Pacer through a simulated rollout on a virtual clock: `changesAt` are the instants
 * (ms) at which the service shows something new. Returns the instants of every call.
 */
function simulate(durationMs: number, changesAt: number[], pacer = new Pacer(0)): number[] {
  const calls: number[] = [];
  let now = 0;
  let seen = 0;
  while (now <= durationMs) {
    calls.push(now);
    const fresh = changesAt.filter((c) => c <= now).length;
    pacer.polled(now, fresh > seen);
    seen = fresh;
    now += pacer.delay(now);
  }
  return calls;
}

/** How long after `at` the first call comes. */
function lagAfter(calls: number[], at: number): number {
  const next = calls.find((c) => c >= at);
  if (next === undefined) throw new Error(`no call after ${at}`);
  return next - at;
}

describe("poll pacing", () => {
  it("keeps a quiet 10-minute rollout at or under one DescribeServices call per 2 s", () => {
    const calls = simulate(600_000, [0]);
    expect(calls.length).toBeLessThanOrEqual(300);
  });

  it("keeps a churning 10-minute rollout (a change every 3 s) under the same budget", () => {
    const changes = Array.from({ length: 200 }, (_, i) => i * 3000);
    const calls = simulate(600_000, changes);
    expect(calls.length).toBeLessThanOrEqual(300);
    // The budget binds here, so it must be what keeps the count down.
    expect(calls.length).toBeGreaterThan(250);
  });

  it("notices the end of a short rollout within a fraction of a second", () => {
    const calls = simulate(10_000, [0]);
    for (const end of [2000, 2500, 3000, 3500, 4000]) expect(lagAfter(calls, end)).toBeLessThanOrEqual(1000);
  });

  it("polls soon after something moves, even late in a long rollout", () => {
    const calls = simulate(600_000, [0, 400_000]);
    // Quiet for 400 s: the pause has grown to the ceiling ...
    const seen = calls.find((c) => c >= 400_000)!;
    expect(seen - 400_000).toBeLessThanOrEqual(DEFAULT_PACING.maxIntervalMs);
    expect(seen - calls[calls.indexOf(seen) - 1]!).toBe(DEFAULT_PACING.maxIntervalMs);
    // ... and once the change is seen it is short again, so an end that follows is seen quickly.
    expect(calls[calls.indexOf(seen) + 1]! - seen).toBe(DEFAULT_PACING.minIntervalMs);
    expect(lagAfter(calls, seen + 1500)).toBeLessThanOrEqual(DEFAULT_PACING.minIntervalMs * 2);
  });

  it("never waits longer than the ceiling while nothing changes", () => {
    const calls = simulate(600_000, [0]);
    const gaps = calls.slice(1).map((c, i) => c - calls[i]!);
    expect(Math.max(...gaps)).toBe(DEFAULT_PACING.maxIntervalMs);
  });

  it("scales down for a short requested interval and keeps the default ceiling for a long one", () => {
    const fast = pacingFor(50);
    expect(fast.minIntervalMs).toBe(50);
    expect(fast.maxIntervalMs).toBeLessThan(DEFAULT_PACING.maxIntervalMs);
    const slow = pacingFor(3000);
    expect(slow.minIntervalMs).toBe(3000);
    expect(slow.maxIntervalMs).toBe(DEFAULT_PACING.maxIntervalMs);
    const slower = pacingFor(10_000);
    expect(slower.maxIntervalMs).toBe(10_000);
    expect(pacingFor()).toEqual(DEFAULT_PACING);
  });
});
