import { describe, expect, it } from "vitest";
import { deployTags, familyOf, historyKeys, lastStable, revisionOf } from "../../../src/ecs/history.js";

const scope = { cluster: "platform-dev", service: "open-webui" };
const TAG = historyKeys(scope);

const arn = (n: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/app:${n}`;

describe("deploy history in task-definition tags", () => {
  it("picks the revision most recently seen stable, skipping the current, failed and rolled-back ones", () => {
    const revisions = [
      { arn: arn(5), revision: 5, status: "stable", stableAt: "2026-01-05T00:00:00Z" },
      { arn: arn(4), revision: 4, status: "failed" },
      { arn: arn(3), revision: 3, status: "rolled-back", stableAt: "2026-01-04T00:00:00Z" },
      { arn: arn(2), revision: 2, status: "stable", stableAt: "2026-01-02T00:00:00Z" },
      { arn: arn(1), revision: 1, status: "stable", stableAt: "2026-01-01T00:00:00Z" },
    ];
    expect(lastStable(revisions, arn(5))?.revision).toBe(2);
    expect(lastStable(revisions, arn(4))?.revision).toBe(5);
    expect(lastStable([{ arn: arn(1), revision: 1 }], arn(2))).toBeUndefined();
  });

  it("keeps the user's tags, replaces ours, never copies aws: tags or any service's history", () => {
    const twin = historyKeys({ cluster: "platform-dev", service: "twin" });
    const tags = deployTags(
      [
        { key: "team", value: "platform" },
        { key: TAG.status, value: "stable" },
        { key: twin.status, value: "failed" },
        { key: "aws:cloudformation:stack-name", value: "x" },
      ],
      arn(1),
      new Date("2026-01-01T00:00:00Z"),
      scope,
    );
    expect(tags).toEqual([
      { key: "team", value: "platform" },
      { key: "ecs-pipeline:platform-dev/open-webui:status", value: "deploying" },
      { key: "ecs-pipeline:platform-dev/open-webui:previous", value: arn(1) },
      { key: "ecs-pipeline:platform-dev/open-webui:deployed-at", value: "2026-01-01T00:00:00.000Z" },
    ]);
  });

  it("keeps history keys within ECS's 128-character tag key limit for long names", () => {
    const keys = historyKeys({ cluster: "c".repeat(255), service: "s".repeat(255) });
    for (const key of Object.values(keys)) expect(key.length).toBeLessThanOrEqual(128);
    expect(keys.status).toBe(historyKeys({ cluster: "c".repeat(255), service: "s".repeat(255) }).status);
  });

  it("reads family and revision from ARNs and short names", () => {
    expect(familyOf(arn(12))).toBe("app");
    expect(revisionOf(arn(12))).toBe(12);
    expect(familyOf("app:3")).toBe("app");
  });
});
