import type { Tag } from "@aws-sdk/client-ecs";
import { awsError, type EcsApi } from "./api.js";
import { familyOf, MANAGED_BY, revisionOf, tagValue } from "./history.js";

export { MANAGED_BY };

/**
 * One owner per thing: Terraform owns the task definition (environment, secrets, volumes,
 * cpu/memory, logs, runtime platform), the deployer owns only the image. Terraform marks the
 * revisions it registers with this tag (terraform/modules/ecs/services.tf), so the deployer
 * can find "the revision Terraform last registered" for a family and render from it.
 *
 * Why a tag and not "the newest revision the deployer did not register": ECS keeps every
 * revision of a family in one list, and the deployer's own tags are also put on Terraform's
 * revision when it runs it (markRevision), so absence of our tags proves nothing; a tag set
 * by the owner does. (Tags on task definitions: RegisterTaskDefinition `tags`, read back with
 * DescribeTaskDefinition `include: ["TAGS"]` or ListTagsForResource.)
 */
export function isTerraformManaged(tags: Tag[]): boolean {
  return tagValue(tags, MANAGED_BY.key) === MANAGED_BY.terraform;
}

/**
 * The newest ACTIVE revision of `family` that Terraform registered, or undefined when the
 * family has none (a platform applied before the tag existed, or a service not owned by
 * Terraform). ListTaskDefinitions returns ACTIVE revisions only by default, and Terraform's
 * replacement registers the new revision before the old one goes (skip_destroy keeps it).
 */
export async function terraformRevision(ecs: EcsApi, family: string): Promise<string | undefined> {
  let arns: string[];
  try {
    const out = await ecs.listTaskDefinitions({
      familyPrefix: family,
      status: "ACTIVE",
      sort: "DESC",
      maxResults: 100,
    });
    arns = (out.taskDefinitionArns ?? []).filter((a) => familyOf(a) === family);
  } catch (err) {
    throw awsError(`list revisions of task definition family ${family}`, err);
  }
  arns.sort((a, b) => revisionOf(b) - revisionOf(a));
  for (const arn of arns) {
    let tags: Tag[];
    try {
      tags = (await ecs.listTagsForResource({ resourceArn: arn })).tags ?? [];
    } catch (err) {
      throw awsError(`read tags of ${arn}`, err);
    }
    if (isTerraformManaged(tags)) return arn;
  }
  return undefined;
}
