import { z } from "zod";
import { emulatorEndpointProblem } from "./emulator.js";
import {
  ecrRepositoryName,
  kmsKeyArn,
  kmsKeyMismatch,
  region,
  repoPath,
  roleArn,
  roleMismatch,
  urlWith,
} from "./rules.js";

/**
 * The shape of one environment file in environments/. This schema is the single source of
 * truth: the loader validates with it and scripts/generate-schema.ts turns it into the
 * JSON Schema editors use for completion.
 */

const accountId = z
  .string()
  .regex(/^\d{12}$/, "an AWS account id of exactly 12 digits, as a string")
  .describe("AWS account id this environment lives in; every AWS call is refused in any other account.");

const platform = z.enum(["linux/amd64", "linux/arm64"]);

const buildContext = z.union([
  z
    .object({
      path: repoPath.describe("Build context relative to the repository root."),
    })
    .strict(),
  z
    .object({
      git: urlWith(["https:", "ssh:"], "https://github.com/owner/repo.git").describe("Upstream git repository URL."),
      commit: z
        .string()
        .regex(/^[0-9a-f]{40}$/, "a full 40-character commit SHA (branches and tags move; builds must not)")
        .describe("Commit to build, pinned."),
      subdir: repoPath.optional().describe("Directory inside the repository to use as the context."),
      patch: repoPath.optional().describe("Patch file (repository-relative) applied to the fetched context."),
    })
    .strict(),
]);

/**
 * What judges a rollout of the service. `path` is probed by the container health check
 * Terraform gives the task definition (terraform/modules/ecs) and, behind the ALB, by the
 * target group; the deployer then requires the containers (and targets) healthy. A service
 * with nothing to check is refused unless `none: true` says so on purpose, with a `reason`.
 */
const healthCheck = z
  .object({
    path: z
      .string()
      .startsWith("/", "a path starting with /")
      .optional()
      .describe(
        "HTTP path the container health check (and, behind the ALB, the target group) probes; the deployer requires the containers healthy after a rollout.",
      ),
    url: urlWith(["http:", "https:"], "https://app.example.com/health")
      .optional()
      .describe("Full URL also probed after a rollout (2xx/3xx)."),
    none: z
      .literal(true)
      .optional()
      .describe(
        "Deploy this service with no container health check, on purpose: with no target group and no url, nothing judges its rollout beyond ECS's own. Needs a reason; excludes path and url.",
      ),
    reason: z
      .string()
      .min(1)
      .optional()
      .describe("Why the service deploys unchecked (with none: true); printed in every report."),
  })
  .strict()
  .superRefine((hc, ctx) => {
    if (hc.none) {
      if (!hc.reason?.trim())
        ctx.addIssue({
          code: "custom",
          path: ["reason"],
          message: "a reason saying why the service deploys unchecked",
        });
      for (const key of ["path", "url"] as const)
        if (hc[key] !== undefined)
          ctx.addIssue({ code: "custom", path: [key], message: `no ${key} with "none": true (remove one of them)` });
      return;
    }
    if (hc.path === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["path"],
        message: 'a path the health checks probe, e.g. "/health" (or "none": true with a "reason" to deploy unchecked)',
      });
    if (hc.reason !== undefined)
      ctx.addIssue({ code: "custom", path: ["reason"], message: 'a reason only with "none": true' });
  });

export const serviceSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes, starting with a letter")
      .describe("Short name used on the command line, e.g. open-webui."),
    ecrRepository: ecrRepositoryName.describe("ECR repository name (not URI) the images are pushed to."),
    build: z
      .object({
        context: buildContext,
        dockerfile: repoPath.default("Dockerfile").describe("Dockerfile path inside the context."),
        platforms: z
          .array(platform)
          .min(1)
          .optional()
          .describe("Platforms to build; default: the one runtimePlatform.cpuArchitecture runs on."),
      })
      .strict(),
    runtimePlatform: z
      .object({
        cpuArchitecture: z
          .enum(["X86_64", "ARM64"])
          .describe("CPU architecture the service's Fargate tasks run on (the task definition's runtime_platform)."),
      })
      .strict()
      .default({ cpuArchitecture: "X86_64" }),
    ecs: z
      .object({
        cluster: z.string().min(1),
        service: z.string().min(1),
        containers: z
          .array(z.string().min(1))
          .min(1)
          .describe("Containers in the task definition whose image a deploy replaces."),
      })
      .strict(),
    healthCheck,
  })
  .strict();

export const environmentSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    aws: z
      .object({
        accountId,
        region,
        endpoint: z
          .string()
          .superRefine((value, ctx) => {
            const problem = emulatorEndpointProblem(value);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          })
          .optional()
          .describe(
            "Send every AWS call here instead of AWS: an emulator on loopback or a service name bound beside the step. Refused for any other host; never set for real accounts.",
          ),
        roles: z
          .object({
            plan: roleArn.optional(),
            apply: roleArn.optional(),
            deploy: roleArn.optional(),
            promote: roleArn
              .optional()
              .describe(
                "Pull-only role (terraform/bootstrap promote_source_role_arn) with which an environment promoted from this one reads what runs here and pulls the images; omit to use the deploy role.",
              ),
          })
          .strict()
          .default({}),
      })
      .strict(),
    terraform: z
      .object({
        root: repoPath.default("terraform/platform").describe("Terraform root module, repository-relative."),
        varFile: repoPath.describe("Var file for this environment, repository-relative."),
        backend: z
          .object({
            bucket: z.string().min(3),
            key: z.string().min(1),
            region,
            lockTable: z.string().min(1).optional().describe("DynamoDB lock table; omit to use an S3 lockfile."),
            kmsKeyId: kmsKeyArn
              .optional()
              .describe(
                "KMS key (or alias) ARN the state is encrypted with (terraform/bootstrap output state_kms_key_alias_arn). Required unless aws.endpoint points at an emulator.",
              ),
          })
          .strict(),
      })
      .strict(),
    approval: z
      .object({ required: z.boolean().describe("Apply and deploy refuse to run without an explicit confirmation.") })
      .strict(),
    deploy: z
      .object({
        timeoutSeconds: z.number().int().min(30).max(7200).default(900),
      })
      .strict()
      .default({ timeoutSeconds: 900 }),
    services: z.array(serviceSchema).min(1),
    promotedFrom: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, "the name of another environment, e.g. staging")
      .optional()
      .describe(
        "Environment this one is promoted from: it never builds; deploy copies the exact digests that environment runs (or a named commit's), verifies them and their scan attestations, then plans, applies and deploys by digest.",
      ),
  })
  .strict()
  .superRefine((env, ctx) => {
    if (env.promotedFrom === env.name) {
      ctx.addIssue({ code: "custom", path: ["promotedFrom"], message: "another environment than this one" });
    }
    for (const [purpose, arn] of Object.entries(env.aws.roles)) {
      const wanted = arn === undefined ? undefined : roleMismatch(arn, env.aws.accountId, env.aws.region);
      if (wanted) ctx.addIssue({ code: "custom", path: ["aws", "roles", purpose], message: wanted });
    }
    const key = env.terraform.backend.kmsKeyId;
    const keyProblem =
      key === undefined
        ? env.aws.endpoint === undefined
          ? "the ARN of the KMS key (or alias) encrypting the state, terraform/bootstrap's output state_kms_key_alias_arn: without it OpenTofu writes the state with S3-managed keys, bypassing the bucket's KMS key"
          : undefined
        : kmsKeyMismatch(key, env.terraform.backend.region);
    if (keyProblem) ctx.addIssue({ code: "custom", path: ["terraform", "backend", "kmsKeyId"], message: keyProblem });
    const seen = new Map<string, number>();
    env.services.forEach((s, i) => {
      const first = seen.get(s.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["services", i, "name"],
          message: `a unique service name (services[${first}] is already named "${s.name}")`,
        });
      }
      seen.set(s.name, i);
    });
  });

export type EnvironmentConfig = z.infer<typeof environmentSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
