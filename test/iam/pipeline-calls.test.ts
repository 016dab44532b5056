import { ECS } from "@aws-sdk/client-ecs";
import { IAM } from "@aws-sdk/client-iam";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { startMoto, type Moto } from "../support/moto.js";
import { makeRepo, MOTO_ACCOUNT, type TestRepo } from "../integration/terraform/harness.js";
import { authorizedRequests, type RecordedCall } from "./calls.js";
import { renderEnvironment, type RenderedEnvironment } from "./render.js";
import { decide } from "./simulate.js";

/**
 * The pipeline's verbs against the emulator, each in the role the environment names for it
 * (the core assumes them with STS, tofu's backend uses the same credentials), and every AWS
 * call they make evaluated against the role's rendered policies by the IAM policy engine.
 * Recorded live (emulator/recorder.py, GET /_calls) rather than kept as a fixture: a new call
 * in the core or in tofu's backend is simulated the day it appears, and nothing goes stale.
 */
const ENV = "test";
const NAME = `platform-${ENV}`;
const roleArn = (role: string): string => `arn:aws:iam::${MOTO_ACCOUNT}:role/${NAME}-${role}`;
const IMAGE = `${MOTO_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo`;

interface Denied {
  role: string;
  action: string;
  resource: string;
  why: string;
  result: string;
}

/** Every recorded call of a rendered role, simulated: the denials, and how many requests ran. */
async function simulateCalls(env: RenderedEnvironment, calls: RecordedCall[]) {
  const denied: Denied[] = [];
  const perRole = new Map<string, number>();
  const unattributed = calls.filter((c) => !Object.values(env.roles).some((r) => r.arn === c.caller));
  for (const call of calls) {
    const role = Object.values(env.roles).find((r) => r.arn === call.caller);
    if (!role) continue;
    for (const request of authorizedRequests(env, call)) {
      const decision = await decide(env, role, request);
      perRole.set(role.name, (perRole.get(role.name) ?? 0) + 1);
      if (!decision.allowed) {
        denied.push({
          role: role.name,
          action: request.action,
          resource: request.resource,
          why: request.why,
          result: decision.result + (decision.errors ?? ""),
        });
      }
    }
  }
  return { denied, perRole, unattributed };
}

describe("every AWS call the pipeline makes, in the role it makes it in", () => {
  let moto: Moto;
  let repo: TestRepo;
  let work: string;
  let calls: RecordedCall[];
  let rendered: RenderedEnvironment;

  beforeAll(async () => {
    moto = await startMoto();
    // The state's KMS key as a real environment names it: S3 then calls KMS for every state write.
    repo = await makeRepo({
      endpoint: moto.endpoint,
      name: ENV,
      lockTable: "platform-tflock",
      kmsKeyId: `arn:aws:kms:eu-west-1:${MOTO_ACCOUNT}:alias/${NAME}-tfstate`,
    });
    const envFile = path.join(repo.root, "environments", `${ENV}.json`);
    const config = JSON.parse(await readFile(envFile, "utf8")) as Record<string, unknown> & {
      aws: Record<string, unknown>;
    };
    config.aws.roles = { plan: roleArn("plan"), apply: roleArn("deploy"), deploy: roleArn("deploy") };
    await writeFile(envFile, JSON.stringify(config, null, 2));
    await createService(moto);
    await fetch(`${moto.endpoint}/_calls`, { method: "DELETE" });

    const run = async (...argv: string[]) => {
      const log: string[] = [];
      const code = await main(argv, { out: () => {}, log: (t) => log.push(t), env: repo.vars, cwd: repo.root });
      expect(code, `${argv.join(" ")}:\n${log.join("\n")}`).toBe(0);
    };
    await run("plan", "--env", ENV, "--out", "out/plan");
    await run("apply", "--env", ENV, "--plan", "out/plan");
    // detectDrift: a plan of what runs, then the drift verdict on it (no AWS call of its own).
    await run("plan", "--env", ENV, "--out", "out/drift");
    await run("detect-drift", "--plan-dir", "out/drift");
    const fast = ["--poll-interval-ms", "100", "--timeout-seconds", "20"];
    await run("deploy-service", "--env", ENV, "--service", "mcpo", "--image", `${IMAGE}:v2`, ...fast);
    await run("rollback", "--env", ENV, "--service", "mcpo", "--revision", "1", ...fast);
    await run("status", "--env", ENV, "--service", "mcpo"); // the plan role, service deployments included
    calls = (await (await fetch(`${moto.endpoint}/_calls`)).json()) as RecordedCall[];

    work = await mkdtemp(path.join(tmpdir(), "iam-calls-"));
    const vars = path.join(work, `${ENV}.bootstrap.tfvars`);
    await writeFile(
      vars,
      [
        `environment = "${ENV}"`,
        `account_id = "${MOTO_ACCOUNT}"`,
        `region = "eu-west-1"`,
        `state_bucket = "${repo.env.terraform.backend.bucket}"`,
        `state_key = "${repo.env.terraform.backend.key}"`,
        `lock_table = "platform-tflock"`,
        `github_repository = "example-org/ecs-pipeline"`,
        `ecr_repositories = ["platform/mcpo"]`,
      ].join("\n"),
    );
    rendered = renderEnvironment(ENV, vars);
  }, 300_000);
  afterAll(async () => {
    await moto?.stop();
    if (repo) await rm(repo.root, { recursive: true, force: true });
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("are made with the plan and deploy roles' credentials, and each is allowed by the rendered policies", async () => {
    const { denied, perRole, unattributed } = await simulateCalls(rendered, calls);
    // Only the base identity's own calls are not a role's: assuming the roles.
    expect([...new Set(unattributed.map((c) => c.action))].sort()).toEqual(["sts:AssumeRole"]);
    expect([...perRole.keys()].sort()).toEqual([`${NAME}-deploy`, `${NAME}-plan`]);
    console.log(
      `simulated ${[...perRole.values()].reduce((a, b) => a + b, 0)} requests from ${calls.length} recorded calls: ` +
        [...perRole].map(([r, n]) => `${r} ${n}`).join(", "),
    );
    expect(denied.map((d) => `${d.role} is denied ${d.action} on ${d.resource} (${d.why}): ${d.result}`)).toEqual([]);
  });

  it("cover reading and locking the state through the KMS key, and passing the task roles", async () => {
    const requests = calls.flatMap((c) =>
      c.resources ? authorizedRequests(rendered, c).map((r) => `${c.caller.split("/").pop()} ${r.action}`) : [],
    );
    for (const expected of [
      `${NAME}-plan s3:GetObject`,
      `${NAME}-plan dynamodb:PutItem`,
      `${NAME}-plan kms:Decrypt`,
      `${NAME}-plan s3:ListBucket`,
      `${NAME}-deploy s3:PutObject`,
      `${NAME}-deploy kms:GenerateDataKey`,
      `${NAME}-deploy kms:Decrypt`,
      `${NAME}-deploy ecs:RegisterTaskDefinition`,
      `${NAME}-deploy ecs:UpdateService`,
      `${NAME}-deploy iam:PassRole`,
      `${NAME}-deploy ecs:DescribeServiceDeployments`,
      `${NAME}-plan ecs:ListServiceDeployments`,
      `${NAME}-plan ecs:DescribeServiceDeployments`,
      // Pre-flight: the task and execution roles exist (deploy-service and rollback).
      `${NAME}-deploy iam:GetRole`,
    ]) {
      expect(requests, expected).toContain(expected);
    }
  });

  it("let the deploy role read what pre-flight reads through ECR's registry API, which the emulator cannot record", async () => {
    // Pre-flight reads the manifest and the scan attestations with skopeo and an ECR login: a
    // pull, whose permissions are those of AWS's managed AmazonEC2ContainerRegistryPullOnly
    // (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryPullOnly.html).
    // The emulator's ECR holds no layers, so these requests never reach it to be recorded.
    const deploy = rendered.roles[`${NAME}-deploy`]!;
    const repository = `arn:aws:ecr:eu-west-1:${MOTO_ACCOUNT}:repository/platform/mcpo`;
    const requests = [
      { action: "ecr:GetAuthorizationToken", resource: "*" },
      { action: "ecr:BatchGetImage", resource: repository },
      { action: "ecr:GetDownloadUrlForLayer", resource: repository },
    ];
    for (const request of requests) {
      const decision = await decide(rendered, deploy, request);
      expect(decision.allowed, `${request.action} on ${request.resource}: ${decision.result}`).toBe(true);
    }
    // ...and only in the environment's repositories.
    const other = `arn:aws:ecr:eu-west-1:${MOTO_ACCOUNT}:repository/someone-else/app`;
    expect((await decide(rendered, deploy, { action: "ecr:BatchGetImage", resource: other })).allowed).toBe(false);
  });

  it("fail naming role, action and resource when one permission is removed", async () => {
    // The plan role without the state key: S3 could not decrypt the state it plans against.
    const plan = rendered.roles[`${NAME}-plan`]!;
    const state = plan.policies["read-state-and-lock"]!;
    const without: RenderedEnvironment = {
      ...rendered,
      roles: {
        ...rendered.roles,
        [plan.name]: {
          ...plan,
          policies: {
            ...plan.policies,
            "read-state-and-lock": {
              ...state,
              Statement: state.Statement.filter((s) => s.Sid !== "StateKeyThroughS3AndDynamoDB"),
            },
          },
        },
      },
    };
    const { denied } = await simulateCalls(without, calls);
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((d) => d.role === plan.name && d.action === "kms:Decrypt")).toBe(true);
    expect(denied[0]).toEqual(
      expect.objectContaining({
        role: `${NAME}-plan`,
        action: "kms:Decrypt",
        resource: rendered.state.kmsKeyArn,
        result: "ImplicitlyDenied",
      }),
    );
  });
});

/** The service the deploy and rollback act on, and its roles, as the platform's Terraform leaves them. */
async function createService(moto: Moto): Promise<void> {
  const client = {
    endpoint: moto.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
  const ecs = new ECS(client);
  const iam = new IAM(client);
  try {
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    for (const role of ["ecs-execution", "mcpo-task"]) {
      await iam.createRole({ RoleName: `${NAME}-${role}`, AssumeRolePolicyDocument: trust });
    }
    await ecs.createCluster({ clusterName: NAME });
    const td = await ecs.registerTaskDefinition({
      family: `${NAME}-mcpo`,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      executionRoleArn: roleArn("ecs-execution"),
      taskRoleArn: roleArn("mcpo-task"),
      // The health check terraform/modules/ecs gives it: the deployer's health gate lists and describes its tasks.
      containerDefinitions: [
        {
          name: "mcpo",
          image: `${IMAGE}:v1`,
          essential: true,
          healthCheck: {
            command: [
              "CMD",
              "python",
              "-c",
              "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/docs', timeout=4)",
            ],
            interval: 30,
            timeout: 5,
            retries: 3,
            startPeriod: 120,
          },
        },
      ],
    });
    await ecs.createService({
      cluster: NAME,
      serviceName: "mcpo",
      taskDefinition: td.taskDefinition?.taskDefinitionArn,
      desiredCount: 1,
      launchType: "FARGATE",
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
  } finally {
    ecs.destroy();
    iam.destroy();
  }
}
