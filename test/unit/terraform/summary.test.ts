import { describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { renderSummary, summaryParts } from "../../../src/terraform/render.js";
import { countsLine, summarizePlan } from "../../../src/terraform/summary.js";
import { generatePlan } from "../../fixtures/terraform/generate-plan.js";

const change = (address: string, actions: string[], extra: Record<string, unknown> = {}) => ({
  address,
  mode: "managed",
  change: { actions },
  ...extra,
});

const plan = (changes: unknown[], more: Record<string, unknown> = {}) => ({
  format_version: "1.2",
  terraform_version: "1.12.6",
  resource_changes: changes,
  ...more,
});

describe("summarizePlan", () => {
  it("counts a replacement as one add and one destroy, as tofu does", () => {
    const s = summarizePlan(
      plan([
        change("a.create", ["create"]),
        change("a.update", ["update"]),
        change("a.delete", ["delete"]),
        change("a.replace", ["delete", "create"], { action_reason: "replace_because_cannot_update" }),
        change("a.cbd", ["create", "delete"]),
      ]),
    );
    expect(s.counts).toMatchObject({ add: 3, change: 1, destroy: 3, replace: 2 });
    expect(countsLine(s.counts)).toBe("3 to add, 1 to change, 3 to destroy");
    expect(s.changes.find((c) => c.address === "a.replace")?.reason).toBe("replace_because_cannot_update");
  });

  it("ignores no-ops and data sources but keeps imports, moves and forgets", () => {
    const s = summarizePlan(
      plan([
        change("a.same", ["no-op"]),
        change("data.x.y", ["read"], { mode: "data" }),
        change("a.imported", ["no-op"], { change: { actions: ["no-op"], importing: { id: "vpc-1" } } }),
        change("a.new_name", ["no-op"], { previous_address: "a.old_name" }),
        change("a.gone", ["forget"]),
      ]),
    );
    expect(s.changes.map((c) => [c.address, c.action])).toEqual([
      ["a.imported", "import"],
      ["a.new_name", "move"],
      ["a.gone", "forget"],
    ]);
    expect(countsLine(s.counts)).toBe("0 to add, 0 to change, 0 to destroy, 1 to import, 1 moved, 1 to forget");
  });

  it("says there are no changes when only no-ops are planned", () => {
    const s = summarizePlan(plan([change("a.same", ["no-op"])]));
    expect(s.hasChanges).toBe(false);
    expect(renderSummary(s, { env: "dev", account: "111111111111" })).toContain("**No changes.**");
  });

  it("rejects JSON that is not a plan, with the field at fault", () => {
    expect(() => summarizePlan({ resource_changes: [] })).toThrow(PipelineError);
    expect(() => summarizePlan({ resource_changes: [] })).toThrow(/format_version/);
  });
});

describe("renderSummary", () => {
  const s = summarizePlan(
    plan(
      [
        change("aws_s3_bucket.logs", ["create"]),
        change("aws_ecs_service.web", ["update"]),
        change("aws_db_instance.main", ["delete"]),
        change("aws_lb.front", ["delete", "create"], { action_reason: "replace_because_cannot_update" }),
      ],
      { output_changes: { url: { actions: ["update"] } }, resource_drift: [{}] },
    ),
  );
  const md = renderSummary(s, { env: "prod", account: "333333333333", fingerprint: "ab".repeat(32) });

  it("calls out destroys and replacements before anything else", () => {
    const order = ["aws_db_instance.main", "aws_lb.front", "aws_s3_bucket.logs", "aws_ecs_service.web"].map((a) =>
      md.indexOf(a),
    );
    expect(order.every((pos, i) => pos > 0 && (i === 0 || pos > (order[i - 1] ?? 0)))).toBe(true);
    expect(md.indexOf("[!CAUTION]")).toBeLessThan(md.indexOf("aws_db_instance.main"));
    expect(md).toContain("2 resource(s) will be destroyed (1 of them replaced)");
    expect(md).toContain("`aws_lb.front` (because cannot update)");
  });

  it("heads with the environment, account and counts, and ends with the fingerprint", () => {
    expect(md.split("\n")[0]).toBe("### OpenTofu plan for `prod` (account 333333333333)");
    expect(md).toContain("**Plan: 2 to add, 1 to change, 2 to destroy.**");
    expect(md).toContain("1 resource(s) changed outside OpenTofu");
    expect(md).toContain(`inputs ${"ab".repeat(6)}`);
  });
});

describe("summaryParts", () => {
  it("keeps a small plan in one part", () => {
    const s = summarizePlan(generatePlan({ resources: 50 }));
    expect(summaryParts(s, { env: "dev", account: "1" })).toHaveLength(1);
  });

  it("splits a 10,000-change plan into parts under the limit that together list every resource once", () => {
    const s = summarizePlan(generatePlan({ resources: 10_000 }));
    const parts = summaryParts(s, { env: "dev", account: "111111111111" });
    expect(parts.length).toBeGreaterThan(4);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(65_536 - 1_024);
    const listed = parts.join("\n").match(/^- `module\.[^`]+`/gm) ?? [];
    expect(listed).toHaveLength(s.changes.length);
    expect(new Set(listed).size).toBe(s.changes.length);
    expect(parts[1]?.split("\n")[0]).toBe("**OpenTofu plan for `dev` (continued)**");
  });
});
