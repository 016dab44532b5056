import type { RenderedEnvironment } from "./render.js";
import type { AwsRequest } from "./simulate.js";

/** One call emulator/recorder.py saw: who signed it, the IAM action, the resources it names. */
export interface RecordedCall {
  caller: string;
  action: string;
  /** null: the recorder does not know the action's resource types yet. */
  resources: string[] | null;
  context: Record<string, string>;
  /** Roles a task definition names (passed to ECS). */
  passes?: string[];
}

/** What the role is authorized for when it makes `call`, with why each request is there. */
export interface AuthorizedRequest extends AwsRequest {
  why: string;
}

/** The calls AWS itself says need no permission. */
const UNAUTHORIZED = new Set([
  // "No permissions are required to perform this operation."
  // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
  "sts:GetCallerIdentity",
]);

/**
 * The requests IAM authorizes for one recorded call: the call itself on each resource, and
 * what AWS calls on the caller's behalf with the caller's permissions:
 * - S3 objects in the SSE-KMS state bucket: kms:Decrypt to read (assumed for every object: one
 *   written under the bucket default is), kms:GenerateDataKey to write unless the request asks
 *   for SSE-S3 (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html),
 *   with kms:ViaService s3.<region>.amazonaws.com;
 * - items of the lock table encrypted with the same customer managed key: kms:Decrypt through
 *   DynamoDB (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html);
 * - roles named in a task definition: iam:PassRole to ecs-tasks.amazonaws.com
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
 */
export function authorizedRequests(env: RenderedEnvironment, call: RecordedCall): AuthorizedRequest[] {
  if (UNAUTHORIZED.has(call.action)) return [];
  if (call.resources === null) {
    throw new Error(
      `emulator/recorder.py does not know the resources of ${call.action} (called by ${call.caller}); add it there`,
    );
  }
  const out: AuthorizedRequest[] = call.resources.map((resource) => ({
    action: call.action,
    resource,
    context: call.context,
    why: "the call",
  }));
  const viaS3 = { "kms:ViaService": `s3.${env.region}.amazonaws.com` };
  for (const resource of call.resources) {
    if (resource.startsWith(`arn:aws:s3:::${env.state.bucket}/`)) {
      if (call.action === "s3:GetObject") {
        out.push({
          action: "kms:Decrypt",
          resource: env.state.kmsKeyArn,
          context: viaS3,
          why: `S3 decrypts ${resource}`,
        });
      }
      // A write that asks for SSE-S3 (tofu's `encrypt = true` without kms_key_id sends
      // x-amz-server-side-encryption: AES256) overrides the bucket's default key: no KMS call.
      if (call.action === "s3:PutObject" && call.context["s3:x-amz-server-side-encryption"] !== "AES256") {
        out.push({
          action: "kms:GenerateDataKey",
          resource: env.state.kmsKeyArn,
          context: viaS3,
          why: `S3 encrypts ${resource}`,
        });
      }
    }
    if (
      env.state.lockTable &&
      resource.endsWith(`:table/${env.state.lockTable}`) &&
      /^dynamodb:(GetItem|PutItem|DeleteItem|UpdateItem|Query)$/.test(call.action)
    ) {
      out.push({
        action: "kms:Decrypt",
        resource: env.state.kmsKeyArn,
        context: { "kms:ViaService": `dynamodb.${env.region}.amazonaws.com` },
        why: `DynamoDB decrypts the table key of ${env.state.lockTable}`,
      });
    }
  }
  for (const role of call.passes ?? []) {
    out.push({
      action: "iam:PassRole",
      resource: role,
      context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
      why: `${call.action} names ${role}`,
    });
  }
  return out;
}
