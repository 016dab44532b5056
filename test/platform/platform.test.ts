import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandIO } from "../../src/cli/command.js";
import { main } from "../../src/cli/main.js";
import { loadEnvironment } from "../../src/config/load.js";
import type { EnvironmentConfig } from "../../src/config/schema.js";
import { PLAN_FILES } from "../../src/terraform/plan-dir.js";
import { plan } from "../../src/terraform/plan.js";
import type { ValidateResult } from "../../src/terraform/validate/findings.js";
import { startMoto, type Moto } from "../support/moto.js";
import { createBucket } from "../integration/terraform/harness.js";
import { copyPlatformRepo, platformVars, REPO, requireAwsProvider } from "./support.js";

/**
 * The real platform and bootstrap roots with the real hashicorp/aws provider. Our machines
 * cannot obtain that provider (no registry, no Go build), so this suite is
 * `npm run test:platform`, never part of `npm test`; where no provider is available it fails
 * in beforeAll, saying what is missing and how to provide it, instead of skipping.
 *
 * It plans but does not apply: whether moto accepts every resource of the platform (NAT
 * gateway, EFS access point, Cloud Map, ECS services behind an ALB...) could not be tried
 * without a provider.
 */
let vars: NodeJS.ProcessEnv;
let root = "";
let moto: Moto | undefined;

beforeAll(async () => {
  vars = platformVars();
  await requireAwsProvider(vars);
  root = await copyPlatformRepo();
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
  // Each root's data directory holds its own copy of the provider (hundreds of MB).
  if (root) await rm(root, { recursive: true, force: true });
});

interface PlannedChange {
  address: string;
  type: string;
  change: { actions: string[]; after?: Record<string, unknown> | null };
}

async function plannedChanges(outDir: string): Promise<PlannedChange[]> {
  const json = JSON.parse(await readFile(path.join(outDir, PLAN_FILES.json), "utf8")) as {
    resource_changes?: PlannedChange[];
  };
  return json.resource_changes ?? [];
}

describe("the platform roots with the real aws provider", () => {
  it("validates terraform/platform and terraform/bootstrap through validate-terraform with no errors", async () => {
    const output: string[] = [];
    const logs: string[] = [];
    const io: CommandIO = { out: (t) => output.push(t), log: (t) => logs.push(t), env: vars, cwd: root };
    const args = [
      "validate-terraform",
      "--json",
      ...["fmt", "tflint", "trivy", "checkov"].flatMap((t) => ["--skip", t]),
    ];
    const code = await main(args, io);
    const result = JSON.parse(output.join("\n")) as ValidateResult;
    const validate = result.tools.find((t) => t.tool === "validate");
    expect(validate, `validate-terraform exited ${code}:\n${logs.join("\n")}`).toMatchObject({
      status: "ran",
      note: "roots: terraform/bootstrap, terraform/platform",
    });
    const errors = validate?.status === "ran" ? validate.findings.filter((f) => f.severity === "CRITICAL") : [];
    expect(errors).toEqual([]);
    expect(code).toBe(0);
  });

  it("plans the local environment against moto: the ECS cluster and services, ALB, ECR repositories and network, all to create", async () => {
    const configured = await loadEnvironment("local", { root: REPO });
    const endpoint = moto!.endpoint;
    const env: EnvironmentConfig = { ...configured, aws: { ...configured.aws, endpoint } };
    await createBucket(endpoint, env.terraform.backend.bucket, env.terraform.backend.region);

    const planned = await plan({ env, repoRoot: root, outDir: path.join(root, "out", "plan"), vars });
    expect(planned.summary.errored).toBe(false);
    expect(planned.summary.counts).toMatchObject({ change: 0, destroy: 0, replace: 0 });
    expect(planned.summary.changes.every((c) => c.action === "create")).toBe(true);
    expect(planned.meta).toMatchObject({ env: "local", account: "123456789012", hasChanges: true });

    const changes = await plannedChanges(planned.outDir);
    const types = new Set(changes.map((c) => c.type));
    for (const type of [
      "aws_vpc",
      "aws_subnet",
      "aws_nat_gateway",
      "aws_security_group",
      "aws_kms_key",
      "aws_lb",
      "aws_lb_target_group",
      "aws_lb_listener",
      "aws_ecr_repository",
      "aws_ecr_lifecycle_policy",
      "aws_ecs_cluster",
      "aws_ecs_task_definition",
      "aws_ecs_service",
      "aws_iam_role",
      "aws_cloudwatch_log_group",
      "aws_secretsmanager_secret",
      "aws_efs_file_system",
      "aws_service_discovery_private_dns_namespace",
    ])
      expect(types, `planned resource types: ${[...types].sort().join(", ")}`).toContain(type);
    // local has no domain or certificate: port 80 forwards to Open WebUI and there is no HTTPS listener.
    const http = changes.find((c) => c.address === "module.alb.aws_lb_listener.http");
    expect(http?.change.after).toMatchObject({ port: 80, protocol: "HTTP", default_action: [{ type: "forward" }] });
    expect(changes.map((c) => c.address)).not.toContain("module.alb.aws_lb_listener.https[0]");

    // The Terraform and the environment file name the same cluster, services and repositories.
    const named = (type: string) => changes.filter((c) => c.type === type).map((c) => c.change.after?.name);
    expect(named("aws_ecs_cluster")).toEqual([...new Set(env.services.map((s) => s.ecs.cluster))]);
    expect(named("aws_ecs_service").sort()).toEqual(env.services.map((s) => s.ecs.service).sort());
    expect(named("aws_ecr_repository").sort()).toEqual(env.services.map((s) => s.ecrRepository).sort());

    // healthCheck.path of the environment file is what the ALB and the containers probe.
    const probed = (name: string) => env.services.find((s) => s.name === name)?.healthCheck.path;
    const tg = changes.find((c) => c.address === "module.alb.aws_lb_target_group.open_webui");
    expect(tg?.change.after).toMatchObject({ health_check: [{ path: probed("open-webui") }] });
    // A definition that references a secret ARN is unknown until apply; mcpo's has none.
    const known = changes.filter(
      (c) => c.type === "aws_ecs_task_definition" && typeof c.change.after?.container_definitions === "string",
    );
    expect(known.map((c) => c.address)).toContain('module.ecs.aws_ecs_task_definition.this["mcpo"]');
    for (const c of known) {
      const name = /\["(.+)"\]$/.exec(c.address)?.[1] ?? "";
      const [container] = JSON.parse(c.change.after!.container_definitions as string) as {
        healthCheck?: { command: string[] };
      }[];
      expect(container?.healthCheck?.command.join(" "), name).toContain(`${probed(name)}', timeout=4)`);
    }
  });
});
