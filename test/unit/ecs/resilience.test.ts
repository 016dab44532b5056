import { describe, expect, it } from "vitest";
import { Interrupted, retrying, transientKind } from "../../../src/ecs/resilience.js";
import { PipelineError } from "../../../src/errors.js";

const sdkError = (name: string, status?: number, extra: object = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    ...(status ? { $metadata: { httpStatusCode: status } } : {}),
    ...extra,
  });

describe("which AWS errors are ridden out", () => {
  it("retries 5xx, throttling, connection errors, unparseable answers and expired tokens, not access denied", () => {
    expect(transientKind(sdkError("InternalFailure", 500))).toBe("server");
    expect(transientKind(sdkError("Unknown", 503, { $fault: "server" }))).toBe("server");
    expect(transientKind(sdkError("ThrottlingException", 400))).toBe("throttling");
    expect(transientKind(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }))).toBe(
      "network",
    );
    expect(transientKind(new Error("socket hang up"))).toBe("network");
    expect(transientKind(sdkError("TimeoutError"))).toBe("network");
    expect(transientKind(sdkError("SyntaxError", 200))).toBe("unparseable");
    expect(transientKind(sdkError("ExpiredTokenException", 400))).toBe("credentials");
    expect(transientKind(sdkError("AccessDeniedException", 400))).toBeUndefined();
    expect(transientKind(sdkError("InvalidParameterException", 400))).toBeUndefined();
    const wrapped = new PipelineError("Failed to x", { code: "aws.ecs", source: "aws", cause: sdkError("X", 502) });
    expect(transientKind(wrapped)).toBe("server");
  });
});

describe("retrying", () => {
  it("keeps calling through transient errors until one succeeds, re-minting credentials when told they expired", async () => {
    const answers = [sdkError("InternalFailure", 500), sdkError("ExpiredTokenException", 400), "ok"];
    let remints = 0;
    const retries: string[] = [];
    const out = await retrying(
      "do it",
      {
        deadline: () => Date.now() + 5000,
        baseMs: 1,
        remint: () => Promise.resolve(void (remints += 1)),
        onRetry: (r) => retries.push(r.kind),
      },
      () => {
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    );
    expect(out).toBe("ok");
    expect(retries).toEqual(["server", "credentials"]);
    expect(remints).toBe(1);
  });

  it("gives up at the deadline with aws.unavailable naming the last error", async () => {
    const err = await retrying("describe it", { deadline: () => Date.now() + 50, baseMs: 5, capMs: 10 }, () =>
      Promise.reject(sdkError("InternalFailure", 500)),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "aws.unavailable" });
    expect((err as Error).message).toMatch(
      /^Failed to describe it: AWS kept failing for .* \(last: InternalFailure \(HTTP 500\)/,
    );
  });

  it("throws an error that will not go away at once, as the SDK raised it", async () => {
    let calls = 0;
    const err = await retrying("x", { deadline: () => Date.now() + 5000 }, () => {
      calls += 1;
      return Promise.reject(sdkError("AccessDeniedException", 400));
    }).catch((e: unknown) => e);
    expect((err as Error).name).toBe("AccessDeniedException");
    expect(calls).toBe(1);
  });

  it("ends the call in flight with Interrupted when the signal aborts", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Interrupted("SIGTERM")), 20);
    const err = await retrying(
      "wait",
      { deadline: () => Date.now() + 5000, signal: controller.signal },
      () => new Promise(() => {}),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Error).message).toBe("Interrupted by SIGTERM");
  });
});
