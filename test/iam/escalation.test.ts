import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findEscalations, type Escalation } from "./escalation.js";
import {
  BOOTSTRAPPED,
  REPO,
  renderEnvironment,
  type PolicyDocument,
  type RenderedEnvironment,
  type RenderedRole,
} from "./render.js";

const describeFinding = (e: Escalation): string =>
  `${e.role} may ${e.action} on ${e.resource} (${e.kind}${Object.keys(e.context).length ? `, ${JSON.stringify(e.context)}` : ""})`;

describe.each(BOOTSTRAPPED)("no role of %s can escalate", (env) => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(env);
  });

  it("every role: no unbounded role, no boundary lifted, no stronger role passed, no key policy, nothing of another environment", async () => {
    const found = await findEscalations(rendered);
    expect(found.map(describeFinding)).toEqual([]);
  });

  it("every role the deploy role can create carries the boundary, and the boundary itself grants no escalation", async () => {
    // A created role holds at most its boundary: evaluate the boundary as if it were a role's policy.
    const boundedRole: RenderedRole = {
      name: `${rendered.name}-created-by-deploy`,
      arn: `arn:aws:iam::${rendered.accountId}:role/${rendered.name}-created-by-deploy`,
      trust: { Version: "2012-10-17", Statement: [] },
      policies: { boundary: rendered.boundary.policy },
      managed: [],
      boundary: null,
    };
    expect((await findEscalations(rendered, [boundedRole])).map(describeFinding)).toEqual([]);
    const platformRoles = Object.values(rendered.roles).filter((r) => !/-(plan|deploy|promote-source)$/.test(r.name));
    expect(platformRoles.map((r) => [r.name, r.boundary])).toEqual(
      platformRoles.map((r) => [r.name, rendered.boundary.arn]),
    );
  });
});

describe("the escalation check", () => {
  it("finds the paths of the deploy role as it was before (create-and-attach, key policies, other environments)", async () => {
    const before = JSON.parse(
      readFileSync(path.join(REPO, "test/fixtures/iam/deploy-role-before-issue-14.json"), "utf8"),
    ) as { name: string; policies: Record<string, PolicyDocument> };
    const dev = renderEnvironment("dev");
    const role: RenderedRole = {
      ...before,
      arn: `arn:aws:iam::${dev.accountId}:role/${before.name}`,
      trust: dev.roles["platform-dev-deploy"]!.trust,
      managed: [],
      boundary: null,
    };
    const found = await findEscalations(dev, [role]);
    const kinds = new Set(found.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(["key-policy", "other-environment", "unbounded-role"]);
    expect(found.map(describeFinding)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          "may iam:CreateRole on arn:aws:iam::111111111111:role/platform-dev-probe (unbounded-role",
        ),
        expect.stringContaining("may iam:AttachRolePolicy on arn:aws:iam::111111111111:role/platform-dev-probe"),
        expect.stringContaining(
          "may kms:PutKeyPolicy on arn:aws:kms:eu-west-1:111111111111:key/00000000-0000-0000-0000-00000000state",
        ),
        expect.stringContaining(
          "may ecs:UpdateService on arn:aws:ecs:eu-west-1:111111111111:service/platform-prod/open-webui",
        ),
      ]),
    );
  });
});
