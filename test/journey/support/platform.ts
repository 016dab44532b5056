import { ECR } from "@aws-sdk/client-ecr";
import { ECS, type KeyValuePair } from "@aws-sdk/client-ecs";
import { IAM } from "@aws-sdk/client-iam";
import { cp, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { motoCredentials, type Moto } from "../../support/moto.js";
import { requireTool } from "../../support/tools.js";
import { createBucket } from "../../integration/terraform/harness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(here, "../../fixtures/terraform/journey");
export const ENV = "journey";
export const CLUSTER = `platform-${ENV}`;
export const SERVICES = ["open-webui", "bedrock-gateway", "mcpo"] as const;
export const BUCKET = "platform-tfstate-journey";
const STATE_KEY = `platform/${ENV}.tfstate`;

export interface World {
  moto: Moto;
  root: string;
  /** What every core verb gets as its process environment: emulator keys and the toolchain's PATH. */
  vars: NodeJS.ProcessEnv;
  ecs: ECS;
}

/** A throw-away repository: the journey root as the environment's Terraform root, and its environment file. */
export async function makeWorld(moto: Moto): Promise<World> {
  const root = await mkdtemp(path.join(tmpdir(), "journey-"));
  await cp(FIXTURE, path.join(root, "terraform", "platform"), { recursive: true });
  await mkdir(path.join(root, "environments"));
  const env = {
    name: ENV,
    aws: { accountId: "123456789012", region: "eu-west-1", endpoint: moto.endpoint },
    terraform: {
      root: "terraform/platform",
      varFile: `environments/${ENV}.tfvars`,
      backend: { bucket: BUCKET, key: STATE_KEY, region: "eu-west-1" },
    },
    approval: { required: false },
    deploy: { timeoutSeconds: 60 },
    services: SERVICES.map((name) => ({
      name,
      ecrRepository: `platform/${name}`,
      build: { context: { path: `services/${name}` } },
      runtimePlatform: { cpuArchitecture: "X86_64" },
      ecs: { cluster: CLUSTER, service: name, containers: [name] },
      healthCheck: { path: "/health" },
    })),
  };
  await writeFile(path.join(root, "environments", `${ENV}.json`), JSON.stringify(env, null, 2));
  await setTfvars(root, { "open-webui": { ENABLE_OLLAMA_API: "false" } });
  const tofu = requireTool("tofu");
  const vars = {
    PATH: `${path.dirname(tofu)}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME,
    ...motoCredentials(),
  };
  const c = motoCredentials();
  const ecs = new ECS({
    endpoint: moto.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: c.AWS_ACCESS_KEY_ID!, secretAccessKey: c.AWS_SECRET_ACCESS_KEY! },
  });
  return { moto, root, vars, ecs };
}

/** The environment's var file: what a person edits to change a service's environment variables. */
export async function setTfvars(
  root: string,
  serviceEnvironment: Record<string, Record<string, string>>,
): Promise<void> {
  const lines = Object.entries(serviceEnvironment).map(
    ([svc, vars]) =>
      `  "${svc}" = { ${Object.entries(vars)
        .map(([k, v]) => `${k} = "${v}"`)
        .join(", ")} }`,
  );
  await writeFile(
    path.join(root, "environments", `${ENV}.tfvars`),
    `environment = "${ENV}"\nservice_environment = {\n${lines.join("\n")}\n}\n`,
  );
}

/**
 * What terraform/bootstrap creates before the platform, as its resources would (the
 * hashicorp/aws provider cannot be obtained here): the state bucket the backend needs and
 * the immutable-tag ECR repositories the first publish pushes to. Image bytes go to a real
 * registry on loopback (moto's ECR takes no layer uploads), standing in for ECR's data plane.
 */
export async function bootstrapAccount(world: World): Promise<void> {
  await createBucket(world.moto.endpoint, BUCKET);
  const c = motoCredentials();
  const ecr = new ECR({
    endpoint: world.moto.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: c.AWS_ACCESS_KEY_ID!, secretAccessKey: c.AWS_SECRET_ACCESS_KEY! },
  });
  for (const name of SERVICES) {
    await ecr.createRepository({ repositoryName: `platform/${name}`, imageTagMutability: "IMMUTABLE" });
  }
  ecr.destroy();
}

interface TaskDefinitionInput {
  family: string;
  container: string;
  image: string;
  cpu_architecture: "X86_64" | "ARM64";
  environment: Record<string, string>;
  health_check_path: string | null;
}

/**
 * After an apply, does what the hashicorp/aws provider would have done for the applied state
 * (read from the S3 backend): aws_ecs_task_definition registers a new revision when its
 * definition changed, tagged ecs-pipeline:managed-by=terraform, keeping the old one
 * (skip_destroy); aws_ecs_service creates a missing service on Terraform's revision with the
 * circuit breaker on, and otherwise leaves its task definition alone (ignore_changes);
 * aws_iam_role creates the tasks' execution role the revisions name (deploy's pre-flight reads it).
 */
export async function provisionFromState(world: World): Promise<string[]> {
  const state = await readState(world.moto.endpoint);
  const registered: string[] = [];
  await world.ecs.createCluster({ clusterName: CLUSTER });
  await createExecutionRole(world);
  for (const td of state.taskDefinitions) {
    const latest = await terraformLatest(world.ecs, td.family);
    if (latest && sameDefinition(latest, td)) continue;
    const out = await world.ecs.registerTaskDefinition({
      family: td.family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: td.cpu_architecture },
      executionRoleArn: `arn:aws:iam::123456789012:role/${EXECUTION_ROLE}`,
      containerDefinitions: [
        {
          name: td.container,
          image: td.image,
          essential: true,
          environment: Object.entries(td.environment).map(([name, value]) => ({ name, value })),
          // As terraform/modules/ecs/services.tf gives it, from healthCheck.path.
          ...(td.health_check_path
            ? {
                healthCheck: {
                  command: [
                    "CMD",
                    "python",
                    "-c",
                    `import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000${td.health_check_path}', timeout=4)`,
                  ],
                  interval: 30,
                  timeout: 5,
                  retries: 3,
                  startPeriod: 60,
                },
              }
            : {}),
        },
      ],
      tags: [{ key: "ecs-pipeline:managed-by", value: "terraform" }],
    });
    registered.push(out.taskDefinition!.taskDefinitionArn!);
  }
  for (const name of state.services) {
    const existing = (await world.ecs.describeServices({ cluster: CLUSTER, services: [name] })).services?.[0];
    if (existing?.status === "ACTIVE") continue;
    const family = `platform-${ENV}-${name}`;
    await world.ecs.createService({
      cluster: CLUSTER,
      serviceName: name,
      taskDefinition: (await terraformLatest(world.ecs, family))!.arn,
      desiredCount: 1,
      launchType: "FARGATE",
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
  }
  return registered;
}

const EXECUTION_ROLE = `platform-${ENV}-execution`;

async function createExecutionRole(world: World): Promise<void> {
  const c = motoCredentials();
  const iam = new IAM({
    endpoint: world.moto.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: c.AWS_ACCESS_KEY_ID!, secretAccessKey: c.AWS_SECRET_ACCESS_KEY! },
  });
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
  await iam
    .createRole({ RoleName: EXECUTION_ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) })
    .catch((err: unknown) => {
      if (!(err instanceof Error && /EntityAlreadyExists/.test(err.name))) throw err;
    })
    .finally(() => iam.destroy());
}

interface Latest {
  arn: string;
  image: string;
  environment: KeyValuePair[];
}

async function terraformLatest(ecs: ECS, family: string): Promise<Latest | undefined> {
  const arns = (await ecs.listTaskDefinitions({ familyPrefix: family, status: "ACTIVE", sort: "DESC" }))
    .taskDefinitionArns;
  for (const arn of arns ?? []) {
    const out = await ecs.describeTaskDefinition({ taskDefinition: arn, include: ["TAGS"] });
    if (!out.tags?.some((t) => t.key === "ecs-pipeline:managed-by" && t.value === "terraform")) continue;
    const c = out.taskDefinition?.containerDefinitions?.[0];
    return { arn, image: c?.image ?? "", environment: c?.environment ?? [] };
  }
  return undefined;
}

function sameDefinition(latest: Latest, td: TaskDefinitionInput): boolean {
  const env = Object.fromEntries(latest.environment.map((e) => [e.name ?? "", e.value ?? ""]));
  return latest.image === td.image && JSON.stringify(env) === JSON.stringify(td.environment);
}

async function readState(endpoint: string): Promise<{ taskDefinitions: TaskDefinitionInput[]; services: string[] }> {
  const res = await fetch(`${endpoint}/${BUCKET}/${STATE_KEY}`, { headers: { Authorization: s3Auth() } });
  if (!res.ok) throw new Error(`read state: HTTP ${res.status}`);
  const state = (await res.json()) as {
    resources: { type: string; name: string; instances: { attributes: { input: { value: unknown } } }[] }[];
  };
  const values = (name: string) =>
    state.resources
      .filter((r) => r.type === "terraform_data" && r.name === name)
      .flatMap((r) => r.instances.map((i) => i.attributes.input.value));
  return {
    taskDefinitions: values("task_definition") as TaskDefinitionInput[],
    services: (values("service") as { name: string }[]).map((s) => s.name),
  };
}

// moto reads the service from the SigV4 scope and does not check signatures.
const s3Auth = () =>
  "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/** Someone else's apply holding the S3 lockfile (what use_lockfile writes next to the state). */
export async function holdStateLock(endpoint: string, hold: boolean): Promise<void> {
  const url = `${endpoint}/${BUCKET}/${STATE_KEY}.tflock`;
  const body = JSON.stringify({
    ID: "6d1c5e0a-0000-4000-8000-000000000001",
    Operation: "OperationTypeApply",
    Info: "",
    Who: "someone-else@ci",
    Version: "1.12.6",
    Created: new Date().toISOString(),
    Path: `${BUCKET}/${STATE_KEY}`,
  });
  const res = await fetch(url, {
    method: hold ? "PUT" : "DELETE",
    headers: { Authorization: s3Auth() },
    ...(hold ? { body } : {}),
  });
  if (!res.ok) throw new Error(`${hold ? "hold" : "release"} the state lock: HTTP ${res.status}`);
}
