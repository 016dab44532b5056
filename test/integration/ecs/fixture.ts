import {
  ECS,
  type DeploymentCircuitBreaker,
  type DeploymentConfiguration,
  type DeploymentStrategy,
  type LoadBalancer,
} from "@aws-sdk/client-ecs";
import { IAM } from "@aws-sdk/client-iam";
import { S3 } from "@aws-sdk/client-s3";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadEnvironment } from "../../../src/config/load.js";
import type { EnvironmentConfig } from "../../../src/config/schema.js";
import { historyKeys, tagValue } from "../../../src/ecs/history.js";
import type { EcsProgress } from "../../../src/ecs/progress.js";
import { motoCredentials, type Moto } from "../../support/moto.js";

/**
 * A steady ECS service on the emulator, built the way the platform's Terraform would leave
 * it, and the `local` environment pointed at the emulator. emulator/server.py rolls deployments
 * out on its own clock: images with "bad" fail, "hang" never settle, "unhealthy" fail ALB checks,
 * "sick" fail their container health checks.
 */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const REPO = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/open-webui";
export const CLUSTER = "platform-local";
export const vars = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" };
export const fast = {
  timeoutMs: 6000,
  pollIntervalMs: 100,
  maxPollIntervalMs: 400,
  healthAttempts: 3,
  healthIntervalMs: 100,
};

export async function localEnv(moto: Moto, patch: Partial<EnvironmentConfig> = {}): Promise<EnvironmentConfig> {
  const env = await loadEnvironment("local", { root });
  return { ...env, ...patch, aws: { ...env.aws, endpoint: moto.endpoint, ...patch.aws } };
}

export function ecsClient(moto: Moto): ECS {
  const c = motoCredentials();
  return new ECS({
    endpoint: moto.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: c.AWS_ACCESS_KEY_ID!, secretAccessKey: c.AWS_SECRET_ACCESS_KEY! },
  });
}

export async function simulate(moto: Moto, path: string, body: object): Promise<void> {
  const res = await fetch(`${moto.endpoint}/_ecs_sim/${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`simulation control ${path}: HTTP ${res.status}`);
}

export interface ServiceSetup {
  image?: string;
  /** false: the revision's container has no health check. Default true. */
  healthCheck?: boolean;
  circuitBreaker?: DeploymentCircuitBreaker;
  loadBalancers?: LoadBalancer[];
  strategy?: DeploymentStrategy;
}

/** The `local` environment's Terraform state bucket, where the rollout lock lives. */
export const STATE_BUCKET = "platform-tfstate-local";

export function s3Client(endpoint: string): S3 {
  return new S3({
    endpoint,
    region: "eu-west-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
}

/** Creates the state bucket (as terraform/bootstrap would), on the emulator the ECS client talks to. */
export async function createStateBucket(ecs: ECS): Promise<void> {
  const ep = await ecs.config.endpoint!();
  const s3 = s3Client(`${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ""}`);
  await s3
    .createBucket({ Bucket: STATE_BUCKET, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } })
    .catch((err: unknown) => {
      if (!(err instanceof Error && err.name === "BucketAlreadyOwnedByYou")) throw err;
    })
    .finally(() => s3.destroy());
}

export const EXECUTION_ROLE = "open-webui-execution";

/** Creates an IAM role, as the platform's Terraform creates the task and execution roles (pre-flight reads them). */
export async function createRole(ecs: ECS, name: string): Promise<void> {
  const ep = await ecs.config.endpoint!();
  const iam = new IAM({
    endpoint: `${ep.protocol}//${ep.hostname}${ep.port ? `:${ep.port}` : ""}`,
    region: "eu-west-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
  };
  await iam
    .createRole({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) })
    .catch((err: unknown) => {
      if (!(err instanceof Error && /EntityAlreadyExists/.test(err.name))) throw err;
    })
    .finally(() => iam.destroy());
}

/** Registers open-webui:1 (and its execution role) and creates the service running it, steady with 2 tasks, and the state bucket. */
export async function createService(ecs: ECS, setup: ServiceSetup = {}): Promise<string> {
  await createStateBucket(ecs);
  await ecs.createCluster({ clusterName: CLUSTER });
  const td = await registerRevision(ecs, setup.image ?? `${REPO}:v1`, "open-webui", {
    ...(setup.healthCheck === false ? { healthCheck: false } : {}),
  });
  const deploymentConfiguration: DeploymentConfiguration = {
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    ...(setup.circuitBreaker ? { deploymentCircuitBreaker: setup.circuitBreaker } : {}),
    ...(setup.strategy ? { strategy: setup.strategy } : {}),
  };
  await ecs.createService({
    cluster: CLUSTER,
    serviceName: "open-webui",
    taskDefinition: td,
    desiredCount: 2,
    launchType: "FARGATE",
    deploymentConfiguration,
    ...(setup.loadBalancers ? { loadBalancers: setup.loadBalancers } : {}),
  });
  return td;
}

/** The container health check terraform/modules/ecs gives a service (healthCheck.path probed with Python). */
export const CONTAINER_HEALTH_CHECK = {
  command: [
    "CMD",
    "python",
    "-c",
    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)",
  ],
  interval: 30,
  timeout: 5,
  retries: 3,
  startPeriod: 60,
};

/** Registers a revision of `family`; `healthCheck: false` leaves its container without a health check. */
export async function registerRevision(
  ecs: ECS,
  image: string,
  family = "open-webui",
  options: { healthCheck?: boolean } = {},
): Promise<string> {
  await createRole(ecs, EXECUTION_ROLE); // the role it names exists, as Terraform creates it with the revision
  const out = await ecs.registerTaskDefinition({
    family,
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "512",
    memory: "1024",
    executionRoleArn: `arn:aws:iam::123456789012:role/${EXECUTION_ROLE}`,
    containerDefinitions: [
      {
        name: family,
        image,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: "tcp" }],
        environment: [{ name: "WEBUI_URL", value: "https://chat.example.com" }],
        ...(options.healthCheck === false ? {} : { healthCheck: CONTAINER_HEALTH_CHECK }),
        logConfiguration: {
          logDriver: "awslogs",
          options: { "awslogs-group": `/ecs/${family}`, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" },
        },
      },
    ],
    tags: [{ key: "team", value: "platform" }],
  });
  return out.taskDefinition!.taskDefinitionArn!;
}

export async function running(ecs: ECS): Promise<string> {
  const out = await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] });
  return out.services![0]!.taskDefinition!;
}

/** A revision's history mark for the service (its ecs-pipeline:status tag), as rollback and status read it. */
export async function statusMark(
  ecs: ECS,
  taskDefinition: string,
  service = "open-webui",
): Promise<string | undefined> {
  const out = await ecs.describeTaskDefinition({ taskDefinition, include: ["TAGS"] });
  return tagValue(out.tags ?? [], historyKeys({ cluster: CLUSTER, service }).status);
}

export function recorder(): { events: EcsProgress[]; sink: (e: EcsProgress) => void; text: () => string } {
  const events: EcsProgress[] = [];
  return { events, sink: (e) => events.push(e), text: () => JSON.stringify(events) };
}

/**
 * moto's default VPC in eu-west-1 (target groups need a VPC that exists). There is no EC2
 * SDK client among our dependencies, so this one call is the raw EC2 query API over HTTP.
 */
export async function defaultVpc(moto: Moto): Promise<string> {
  const res = await fetch(moto.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization:
        "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: "Action=DescribeVpcs&Version=2016-11-15",
  });
  const vpc = /<vpcId>(vpc-[0-9a-f]+)<\/vpcId>/.exec(await res.text())?.[1];
  if (!vpc) throw new Error(`no default VPC in the emulator (HTTP ${res.status})`);
  return vpc;
}
