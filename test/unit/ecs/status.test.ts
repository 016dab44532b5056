import { describe, expect, it } from "vitest";
import { commitOf, renderStatus, type ServiceStatus } from "../../../src/ecs/status.js";

const sha = "0123456789abcdef0123456789abcdef01234567";
const digest = `sha256:${"e".repeat(64)}`;
const repo = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo";

describe("status", () => {
  it("reads the commit from an image's tag: the full SHA, or the 12 characters of <env>-<sha12>", () => {
    expect(commitOf(`${repo}:${sha}@${digest}`)).toBe(sha);
    expect(commitOf(`${repo}:prod-0123456789ab@${digest}`)).toBe("0123456789ab");
    expect(commitOf(`${repo}@${digest}`)).toBeUndefined(); // by digest only: no commit to tell
    expect(commitOf(`${repo}:1.4.2`)).toBeUndefined();
    expect(commitOf("127.0.0.1:5000/platform/mcpo@" + digest)).toBeUndefined(); // a port is not a tag
  });

  it("renders the running revision first-marked, history newest first, and how to roll back", () => {
    const s: ServiceStatus = {
      service: "mcpo",
      cluster: "platform-prod",
      ecsService: "mcpo",
      running: "arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-prod-mcpo:7",
      images: [`${repo}:${sha}@${digest}`],
      state: "steady",
      deployments: [],
      serviceDeployments: [
        {
          arn: "arn:aws:ecs:eu-west-1:123456789012:service-deployment/platform-prod/mcpo/Xy12",
          status: "ROLLBACK_SUCCESSFUL",
          statusReason: "ECS deployment circuit breaker: tasks failed to start.",
          createdAt: "2026-12-03T10:00:00.000Z",
          sourceRevisions: ["arn:aws:ecs:eu-west-1:123456789012:service-revision/platform-prod/mcpo/111"],
          circuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
          rollback: {
            toRevision: "arn:aws:ecs:eu-west-1:123456789012:service-revision/platform-prod/mcpo/111",
            toRevisionRanBefore: true,
          },
        },
      ],
      terraformRevision: "arn:aws:ecs:eu-west-1:123456789012:task-definition/platform-prod-mcpo:5",
      history: [
        {
          revision: 8,
          arn: "a:8",
          images: [],
          mark: "failed",
          at: "2026-12-03T10:00:00.000Z",
          registeredBy: "deployer",
          running: false,
        },
        {
          revision: 7,
          arn: "a:7",
          images: [],
          mark: "stable",
          commit: sha,
          at: "2026-12-02T10:00:00.000Z",
          registeredBy: "deployer",
          running: true,
        },
        { revision: 5, arn: "a:5", images: [], registeredBy: "terraform", running: false },
      ],
    };
    const lines = renderStatus("prod", [s]).split("\n");
    expect(lines[0]).toBe("mcpo in prod (service mcpo, cluster platform-prod): steady");
    expect(lines[2]).toMatch(/^ {2}terraform platform-prod-mcpo:5 /);
    expect(lines[3]).toBe(
      "  ecs deployment Xy12 ROLLBACK_SUCCESSFUL: ECS deployment circuit breaker: tasks failed to start.; circuit breaker TRIGGERED 3/3 failed tasks; rolled back to service revision 111 (the revision that ran before) (2026-12-03T10:00:00.000Z)",
    );
    const rows = lines.filter((l) => /^ [ *]\d/.test(l));
    expect(rows.map((r) => r.trim().split(/\s+/).slice(0, 2))).toEqual([
      ["8", "failed"],
      ["*7", "stable"],
      ["5", "-"],
    ]);
    expect(rows[1]).toContain("0123456789ab");
    expect(lines.at(-1)).toMatch(/rollback --env <env> --service <name> --revision <number>/);
  });
});
