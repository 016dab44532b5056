import { ECS } from "@aws-sdk/client-ecs";
import type { AwsClientConfig } from "../aws/clients.js";
import type { EnvironmentConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import { terraformRevision } from "../ecs/ownership.js";

/** What the pipeline gives the platform root besides the environment's var file. */
export interface PlatformInputs {
  /** Image of each service's task definition, by digest: repository:tag@sha256:... */
  images: Record<string, string>;
  /** cpu_architecture of each service's runtime platform (the builds follow it). */
  cpu_architectures: Record<string, "X86_64" | "ARM64">;
  /**
   * healthCheck.path of each service that has one: what its container health check (and the
   * ALB's target group, for open-webui) probes. A service configured `none: true` has no entry,
   * and Terraform gives its container no health check.
   */
  health_check_paths: Record<string, string>;
}

/** A service's image as publish (push-images --json) reports it. */
export interface PublishedRef {
  service: string;
  references: string[];
}

/**
 * The images Terraform registers its task definitions with. Terraform owns everything in a
 * task definition but the image, so the image it is given is the one it registered last
 * (read back from ECS): a plan never changes what runs, and a drift check after deploys and
 * rollbacks stays clean. Only for a service Terraform never registered (the first apply)
 * is it the digest the first publish pushed. Undefined when no service has either (a root
 * that is not the platform, or nothing published yet: the plan then says which variable
 * is missing).
 */
export async function platformInputs(
  env: EnvironmentConfig,
  aws: AwsClientConfig,
  published: PublishedRef[],
): Promise<PlatformInputs | undefined> {
  const ecs = new ECS(aws);
  try {
    const found = await Promise.all(
      env.services.map(async (s) => {
        const family = await familyOf(ecs, s.ecs.cluster, s.ecs.service);
        const arn = family ? await terraformRevision(ecs, family) : undefined;
        if (arn) {
          const td = (await ecs.describeTaskDefinition({ taskDefinition: arn })).taskDefinition;
          const image = td?.containerDefinitions?.find((c) => c.name === s.ecs.containers[0])?.image;
          if (image) return [s.name, image] as const;
        }
        const first = published.find((p) => p.service === s.name)?.references[0];
        return first ? ([s.name, first] as const) : ([s.name, undefined] as const);
      }),
    );
    const missing = found.filter(([, image]) => !image).map(([name]) => name);
    if (missing.length === found.length) return undefined;
    if (missing.length > 0) {
      throw userError(
        "terraform.no-image",
        `Failed to plan ${env.name}: no image for ${missing.join(", ")}: Terraform has registered no task definition for it and nothing was published`,
        "Publish first (the deploy function publishes before it plans), then plan with --published <push-images --json output>.",
      );
    }
    return {
      images: Object.fromEntries(found as (readonly [string, string])[]),
      cpu_architectures: Object.fromEntries(env.services.map((s) => [s.name, s.runtimePlatform.cpuArchitecture])),
      health_check_paths: healthCheckPaths(env),
    };
  } finally {
    ecs.destroy();
  }
}

/** The configured health-check path of each service that has one (environments/<env>.json is the one source). */
export function healthCheckPaths(env: EnvironmentConfig): Record<string, string> {
  return Object.fromEntries(
    env.services.flatMap((s) => (s.healthCheck.path === undefined ? [] : [[s.name, s.healthCheck.path] as const])),
  );
}

/** The task-definition family a service runs, or undefined before the service exists. */
async function familyOf(ecs: ECS, cluster: string, service: string): Promise<string | undefined> {
  try {
    const svc = (await ecs.describeServices({ cluster, services: [service] })).services?.[0];
    if (!svc || svc.status !== "ACTIVE" || !svc.taskDefinition) return undefined;
    return (svc.taskDefinition.split("/").pop() ?? "").split(":")[0];
  } catch (err) {
    if (err instanceof Error && err.name === "ClusterNotFoundException") return undefined;
    throw err;
  }
}
