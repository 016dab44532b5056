import { describe, expect, it } from "vitest";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { checkPlanContents } from "../../../src/terraform/plan-checks.js";
import type { PlanMeta } from "../../../src/terraform/plan-dir.js";
import type { PlanSummary } from "../../../src/terraform/summary.js";

const env = {
  name: "dev",
  aws: { accountId: "111111111111", region: "eu-west-1", roles: {} },
} as unknown as EnvironmentConfig;
const counts = { add: 1, change: 0, destroy: 0, replace: 0, import: 0, move: 0, forget: 0 };
const meta = { counts, hasChanges: true, errored: false } as unknown as PlanMeta;
const summary = { counts, hasChanges: true, errored: false } as unknown as PlanSummary;
const own = { environment: "dev", account_id: "111111111111", region: "eu-west-1", aws_endpoint: null, items: 3 };

describe("what the saved plan itself says, against the environment", () => {
  it("accepts a plan whose identity variables are the environment's (an unset account_id too)", () => {
    expect(() => checkPlanContents("/p", meta, summary, own, env)).not.toThrow();
    expect(() => checkPlanContents("/p", meta, summary, { ...own, account_id: "" }, env)).not.toThrow();
  });

  it("refuses a plan made with another environment's variables, naming the variable", () => {
    expect(() => checkPlanContents("/p", meta, summary, { ...own, environment: "prod" }, env)).toThrow(
      'plan.tfplan was planned with environment = "prod", but dev has "dev"',
    );
    expect(() => checkPlanContents("/p", meta, summary, { ...own, account_id: "222222222222" }, env)).toThrow(
      /account_id = "222222222222"/,
    );
    expect(() => checkPlanContents("/p", meta, summary, { ...own, aws_endpoint: "http://127.0.0.1:5000" }, env)).toThrow(
      /aws_endpoint = "http:\/\/127.0.0.1:5000", but dev has null/,
    );
  });

  it("refuses metadata whose counts or hasChanges disagree with the plan file", () => {
    const edited = { ...meta, hasChanges: false } as PlanMeta;
    expect(() => checkPlanContents("/p", edited, summary, own, env)).toThrow(/meta\.json says .*"hasChanges":false/);
  });
});
