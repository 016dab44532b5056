import { beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAPPED, renderEnvironment, type RenderedEnvironment } from "./render.js";
import { ISSUER, mayAssume } from "./trust.js";

const REPO = "example-org/ecs-pipeline";
const sub = (context: string): string => `repo:${REPO}:${context}`;

describe.each(BOOTSTRAPPED)("trust policies of %s", (env) => {
  let rendered: RenderedEnvironment;
  beforeAll(() => {
    rendered = renderEnvironment(env);
  });
  const role = (kind: string) => rendered.roles[`platform-${env}-${kind}`]!;

  it("pin audience, repository and exact subjects: StringEquals, no wildcard that reaches other refs", () => {
    for (const r of [role("plan"), role("deploy")]) {
      for (const statement of r.trust.Statement) {
        expect(statement.Condition?.StringLike, `${r.name} compares a subject with StringLike`).toBeUndefined();
        const equals = statement.Condition?.StringEquals ?? {};
        expect(equals[`${ISSUER}:aud`], `${r.name} audience`).toBe("sts.amazonaws.com");
        const subjects = [equals[`${ISSUER}:sub`] ?? []].flat();
        expect(subjects.length, `${r.name} names no subject`).toBeGreaterThan(0);
        for (const s of subjects) {
          expect(s.startsWith(`repo:${REPO}:`), `${r.name} trusts ${s}`).toBe(true);
          expect(/[*?]/.test(s), `${r.name} trusts the pattern ${s}`).toBe(false);
        }
      }
    }
  });

  it("the deploy role is assumable only by jobs in the environment's GitHub Environment", async () => {
    expect(await mayAssume(rendered, role("deploy"), { sub: sub(`environment:${env}`) })).toBe(true);
    for (const other of [
      "pull_request",
      "ref:refs/heads/main",
      `ref:refs/heads/${env}`,
      "environment:prod-plan",
      "environment:other",
    ]) {
      expect(await mayAssume(rendered, role("deploy"), { sub: sub(other) }), other).toBe(false);
    }
  });

  it("no role is assumable by another repository, another audience, or a feature branch", async () => {
    for (const r of [role("plan"), role("deploy")]) {
      expect(await mayAssume(rendered, r, { sub: `repo:other-org/ecs-pipeline:environment:${env}` })).toBe(false);
      expect(
        await mayAssume(rendered, r, { sub: sub(`environment:${env}`), aud: "https://github.com/example-org" }),
      ).toBe(false);
      expect(await mayAssume(rendered, r, { sub: sub("ref:refs/heads/feature/x") })).toBe(false);
      expect(await mayAssume(rendered, r, { sub: sub("ref:refs/heads/main-copy") })).toBe(false);
    }
  });

  it("the plan role: the environment's jobs and the default branch's drift check", async () => {
    expect(await mayAssume(rendered, role("plan"), { sub: sub(`environment:${env}`) })).toBe(true);
    expect(await mayAssume(rendered, role("plan"), { sub: sub("ref:refs/heads/main") })).toBe(true);
  });
});

describe("who may plan against prod", () => {
  it("pull requests only from the reviewed prod-plan GitHub Environment; dev and staging from any pull request", async () => {
    const prod = renderEnvironment("prod");
    const prodPlan = prod.roles["platform-prod-plan"]!;
    expect(await mayAssume(prod, prodPlan, { sub: sub("pull_request") })).toBe(false);
    expect(await mayAssume(prod, prodPlan, { sub: sub("environment:prod-plan") })).toBe(true);
    for (const env of ["dev", "staging"]) {
      const rendered = renderEnvironment(env);
      const plan = rendered.roles[`platform-${env}-plan`]!;
      expect(await mayAssume(rendered, plan, { sub: sub("pull_request") })).toBe(true);
      expect(await mayAssume(rendered, plan, { sub: sub("environment:prod-plan") })).toBe(false);
    }
  });
});
