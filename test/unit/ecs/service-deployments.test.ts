import { describe, expect, it } from "vitest";
import { contradicts } from "../../../src/ecs/ecs-verdict.js";
import { describeView, toView } from "../../../src/ecs/service-deployments.js";

const revision = (n: number) => `arn:aws:ecs:eu-west-1:123456789012:service-revision/platform-prod/mcpo/${n}`;
const arn = "arn:aws:ecs:eu-west-1:123456789012:service-deployment/platform-prod/mcpo/ejGvqq2ilnbKT9qj0vLJe";

describe("service deployments", () => {
  const rolledBack = (status: string) =>
    toView({
      serviceDeploymentArn: arn,
      status: status as "ROLLBACK_SUCCESSFUL",
      statusReason: "ECS deployment circuit breaker: tasks failed to start.",
      sourceServiceRevisions: [{ arn: revision(1) }],
      targetServiceRevision: { arn: revision(2) },
      deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
      rollback: { serviceRevisionArn: revision(1), startedAt: new Date("2026-12-03T10:00:00Z") },
    });

  it("says where ECS's rollback went, and whether it got there", () => {
    expect(rolledBack("ROLLBACK_SUCCESSFUL").rollback).toEqual({
      toRevision: revision(1),
      toRevisionRanBefore: true,
      startedAt: "2026-12-03T10:00:00.000Z",
    });
    expect(describeView(rolledBack("ROLLBACK_SUCCESSFUL"))).toBe(
      "ejGvqq2ilnbKT9qj0vLJe ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start.; circuit breaker TRIGGERED 3/3 failed tasks; rolled back to service revision 1 (the revision that ran before)",
    );
    expect(describeView(rolledBack("ROLLBACK_FAILED"))).toContain("rollback FAILED to return to service revision 1");
    expect(describeView(rolledBack("ROLLBACK_IN_PROGRESS"))).toContain("rolling back to service revision 1");
  });

  it("does not call a rollback to a revision that never ran a return", () => {
    const v = toView({
      serviceDeploymentArn: arn,
      status: "ROLLBACK_IN_PROGRESS",
      rollback: { serviceRevisionArn: revision(9) },
    });
    expect(v.rollback?.toRevisionRanBefore).toBe(false);
    expect(describeView(v)).not.toContain("ran before");
  });

  it("finds a contradiction only where ECS says the rollout did not stand", () => {
    expect(contradicts(undefined)).toBeUndefined();
    expect(contradicts(toView({ serviceDeploymentArn: arn, status: "SUCCESSFUL" }))).toBeUndefined();
    expect(contradicts(toView({ serviceDeploymentArn: arn, status: "IN_PROGRESS" }))).toBeUndefined(); // ECS lags
    expect(contradicts(rolledBack("ROLLBACK_IN_PROGRESS"))).toMatch(
      /steady, but ECS's service deployment says .*ROLLBACK_IN_PROGRESS/,
    );
    expect(contradicts(toView({ serviceDeploymentArn: arn, status: "STOPPED" }))).toMatch(/STOPPED/);
  });
});
