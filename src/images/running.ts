import type { ServiceConfig } from "../config/schema.js";
import { userError } from "../errors.js";
import type { EcsApi } from "../ecs/api.js";
import { parseImageRef } from "../ecs/image-ref.js";
import { describeService, describeTaskDefinition } from "../ecs/service.js";

/** What a service runs right now, read from its live task definition. */
export interface RunningImage {
  service: string;
  /** The full image string of the service's first deployable container. */
  image: string;
  /** What to copy: the digest when the task definition pins one, else its tag. */
  reference: string;
  digest: string | undefined;
  /** The tag, when it is a commit SHA (publish's tag): names the copies. */
  commit: string | undefined;
}

/**
 * Reads the image a service's current task definition runs (its first container in
 * `ecs.containers`), refusing an image from another repository than the service's own.
 */
export async function runningImage(ecs: EcsApi, service: ServiceConfig): Promise<RunningImage> {
  const svc = await describeService(ecs, service.ecs.cluster, service.ecs.service);
  const { taskDefinition } = await describeTaskDefinition(ecs, svc.taskDefinition ?? "");
  const name = service.ecs.containers[0];
  const container = taskDefinition.containerDefinitions?.find((c) => c.name === name);
  if (!container?.image) {
    throw userError(
      "images.no-running-image",
      `Failed to read what ${service.name} runs: its task definition ${taskDefinition.taskDefinitionArn ?? ""} has no container named ${name ?? "(none)"}`,
      "Check services[].ecs.containers in the environment file.",
    );
  }
  const ref = parseImageRef(container.image);
  if (!ref.repository.endsWith(`/${service.ecrRepository}`)) {
    throw userError(
      "images.foreign-image",
      `Failed to promote ${service.name}: it runs ${container.image}, which is not from its repository ${service.ecrRepository}`,
      "Deploy an image published by this pipeline first, or promote a commit with --commit.",
    );
  }
  return {
    service: service.name,
    image: container.image,
    reference: ref.digest ?? ref.tag ?? "",
    digest: ref.digest,
    commit: ref.tag && /^[0-9a-f]{40}$/.test(ref.tag) ? ref.tag : undefined,
  };
}
