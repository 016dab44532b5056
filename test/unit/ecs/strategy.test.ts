import type { Service } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { PipelineError } from "../../../src/errors.js";
import { assertRollingDeployment } from "../../../src/ecs/strategy.js";

function refusal(svc: Service): PipelineError | undefined {
  try {
    assertRollingDeployment(svc, "open-webui");
    return undefined;
  } catch (err) {
    return err as PipelineError;
  }
}

describe("assertRollingDeployment", () => {
  it("accepts the ECS controller with ROLLING, stated or left to the default", () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ deploymentController: { type: "ECS" } })).toBeUndefined();
    expect(
      refusal({ deploymentController: { type: "ECS" }, deploymentConfiguration: { strategy: "ROLLING" } }),
    ).toBeUndefined();
  });

  it.each(["BLUE_GREEN", "LINEAR", "CANARY"] as const)(
    "refuses the ECS controller's %s strategy as bad input",
    (strategy) => {
      const err = refusal({ deploymentController: { type: "ECS" }, deploymentConfiguration: { strategy } });
      expect(err).toBeInstanceOf(PipelineError);
      expect(err?.code).toBe("ecs.unsupported-strategy");
      expect(err?.source).toBe("user");
      expect(err?.message).toContain("open-webui");
      expect(err?.message).toContain(`${strategy} deployment strategy`);
      expect(err?.hint).toMatch(/strategy to ROLLING/);
    },
  );

  it.each(["CODE_DEPLOY", "EXTERNAL"] as const)("refuses the %s controller, naming what to use instead", (type) => {
    const err = refusal({ deploymentController: { type } });
    expect(err?.code).toBe("ecs.unsupported-controller");
    expect(err?.source).toBe("user");
    expect(err?.message).toContain(`service open-webui: it uses the ${type} deployment controller`);
    expect(err?.hint).toMatch(type === "CODE_DEPLOY" ? /CodeDeploy deployment group/ : /EXTERNAL controller/);
  });
});
