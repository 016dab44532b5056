import type { Service } from "@aws-sdk/client-ecs";
import { userError } from "../errors.js";

/**
 * Refuses any service this deployer would judge wrongly. It watches one thing: an ECS-controlled
 * rolling update (new PRIMARY deployment, COMPLETED or FAILED, circuit breaker). The other
 * controllers (CODE_DEPLOY, EXTERNAL: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentController.html)
 * and the ECS controller's other strategies (BLUE_GREEN, LINEAR, CANARY in
 * DeploymentConfiguration.strategy, ROLLING when absent:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html)
 * shift traffic and bake in stages that rolling-update rules would misread.
 */
export function assertRollingDeployment(svc: Service, service: string): void {
  const controller = svc.deploymentController?.type ?? "ECS";
  if (controller !== "ECS") {
    throw userError(
      "ecs.unsupported-controller",
      `Failed to deploy service ${service}: it uses the ${controller} deployment controller, and this deployer judges only rolling updates of the ECS controller`,
      controller === "CODE_DEPLOY"
        ? "Deploy this service through its CodeDeploy deployment group, or recreate it with the ECS controller and the ROLLING strategy."
        : "Deploy this service with the tool that drives its EXTERNAL controller, or recreate it with the ECS controller and the ROLLING strategy.",
    );
  }
  const strategy = svc.deploymentConfiguration?.strategy ?? "ROLLING";
  if (strategy !== "ROLLING") {
    throw userError(
      "ecs.unsupported-strategy",
      `Failed to deploy service ${service}: it uses the ${strategy} deployment strategy, and this deployer judges only ROLLING updates`,
      `Set deploymentConfiguration.strategy to ROLLING for ${service}, or deploy it with a tool that follows ${strategy} stages.`,
    );
  }
}
