import { ECS } from "@aws-sdk/client-ecs";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMoto, type Moto } from "../../support/moto.js";
import { requireTool } from "../../support/tools.js";
import { accountAdmin, createAccountRole, githubToken } from "../iam/emulated-accounts.js";
import { renderDocuments } from "../iam/render-documents.js";
import { attest } from "./support/attest.js";
import { rootWithEndpoint, runCli } from "./support/cli.js";
import { alpineRootfs, writeOciLayout } from "./support/oci.js";
import { startRegistry, type LocalRegistry } from "./support/registry.js";

// Staging (account 222222222222) runs three services on images its pipeline built, scanned,
// published and attested; prod (333333333333) is promoted from staging. Two real registries
// stand for the two accounts' ECR; moto is both accounts' ECS and STS. The promoting job is
// prod's deploy job: one GitHub OIDC token (subject environment:prod), exchanged for staging's
// pull-only role and prod's deploy role, created with the trust policies Terraform renders.
const SHA = "fedcba9876543210fedcba9876543210fedcba98";
const SERVICES = ["open-webui", "bedrock-gateway", "mcpo"];
const STAGING_ECR = "222222222222.dkr.ecr.eu-west-1.amazonaws.com";
const PROD_ECR = "333333333333.dkr.ecr.eu-west-1.amazonaws.com";
const token = githubToken("repo:example-org/ecs-pipeline:environment:prod");

let moto: Moto;
let stagingRegistry: LocalRegistry;
let prodRegistry: LocalRegistry;
let root: string;
let work: string;
let digest: string;

async function ecsIn(account: string): Promise<ECS> {
  return new ECS({
    region: "eu-west-1",
    endpoint: moto.endpoint,
    credentials: await accountAdmin(moto.endpoint, account),
  });
}

/** A cluster with the three services, each running `image(service)`, steady. */
async function runServices(account: string, cluster: string, image: (service: string) => string): Promise<void> {
  const ecs = await ecsIn(account);
  await ecs.createCluster({ clusterName: cluster });
  for (const service of SERVICES) {
    const td = await ecs.registerTaskDefinition({
      family: service,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      // With the container health check terraform/modules/ecs gives every service: deploy-service requires something to judge.
      containerDefinitions: [
        {
          name: service,
          image: image(service),
          essential: true,
          healthCheck: {
            command: [
              "CMD",
              "python",
              "-c",
              "import urllib.request; urllib.request.urlopen('http://127.0.0.1:80/health', timeout=4)",
            ],
            interval: 30,
            timeout: 5,
            retries: 3,
          },
        },
      ],
    });
    await ecs.createService({
      cluster,
      serviceName: service,
      taskDefinition: td.taskDefinition!.taskDefinitionArn!,
      desiredCount: 1,
      launchType: "FARGATE",
    });
  }
  ecs.destroy();
}

async function running(account: string, cluster: string): Promise<Record<string, string>> {
  const ecs = await ecsIn(account);
  const out: Record<string, string> = {};
  for (const service of SERVICES) {
    const svc = (await ecs.describeServices({ cluster, services: [service] })).services![0]!;
    const td = await ecs.describeTaskDefinition({ taskDefinition: svc.taskDefinition! });
    out[service] = td.taskDefinition!.containerDefinitions![0]!.image!;
  }
  ecs.destroy();
  return out;
}

beforeAll(async () => {
  requireTool("skopeo");
  requireTool("tofu");
  [moto, stagingRegistry, prodRegistry] = await Promise.all([startMoto(), startRegistry(), startRegistry()]);
  work = await mkdtemp(path.join(tmpdir(), "promotion-journey-"));
  const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);
  digest = await writeOciLayout(path.join(work, "layout"), [
    { architecture: "amd64", files: [...files, { path: "etc/build", content: SHA }] },
    { architecture: "arm64", files: [...files, { path: "etc/build", content: `${SHA}-arm64` }] },
  ]);
  // What staging's publish left: the images under the commit tag, and their attestations.
  for (const service of SERVICES) {
    const repo = `platform/${service}`;
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${path.join(work, "layout")}`,
      `docker://${stagingRegistry.host}/${repo}:${SHA}`,
    ]);
    await attest(stagingRegistry.host, repo, SHA);
  }
  const [staging, prod] = await Promise.all([renderDocuments("staging"), renderDocuments("prod")]);
  await createAccountRole(
    moto.endpoint,
    "arn:aws:iam::222222222222:role/platform-staging-promote-source",
    staging.promote_source_trust,
    staging.promote_source_policy,
  );
  await createAccountRole(moto.endpoint, "arn:aws:iam::333333333333:role/platform-prod-deploy", prod.deploy_trust);
  await runServices("222222222222", "platform-staging", (s) => `${STAGING_ECR}/platform/${s}:${SHA}@${digest}`);
  await runServices("333333333333", "platform-prod", (s) => `${PROD_ECR}/platform/${s}:previous`);
  // What prod's bootstrap creates: the state bucket, where deploy-service takes its rollout lock.
  const s3 = new S3Client({
    region: "eu-west-1",
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: await accountAdmin(moto.endpoint, "333333333333"),
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: "platform-tfstate-333333333333",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    }),
  );
  s3.destroy();
  root = await rootWithEndpoint(moto.endpoint, ["staging", "prod"]);
}, 240_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), stagingRegistry?.stop(), prodRegistry?.stop()]);
  for (const dir of [root, work]) if (dir) await rm(dir, { recursive: true, force: true });
});

const registries = () => [
  "--source-registry",
  stagingRegistry.host,
  "--dest-registry",
  prodRegistry.host,
  "--insecure-registries",
];

describe("promoting staging to prod across two accounts", () => {
  it("copies exactly what staging runs, attested, and prod then runs the same digests; again, nothing is copied", async () => {
    const env = { AWS_WEB_IDENTITY_TOKEN: token };
    const args = ["promote", "--from", "staging", "--to", "prod", "--running", "--json", ...registries()];
    // prod never builds: the build plan refuses it.
    const build = await runCli(["build-plan", "--env", "prod"], { cwd: root, env });
    expect(build.code).toBe(2);
    expect(build.log).toContain("prod is promoted from staging and never builds");

    let started = Date.now();
    const first = await runCli(args, { cwd: root, env });
    const copySeconds = (Date.now() - started) / 1000;
    expect(first.code, first.log).toBe(0);
    expect(first.log).toContain("scan attestations re-checked: 2 platform image(s), each passed");
    const results = (JSON.parse(first.out) as { results: { service: string; digest: string; changed: boolean }[] })
      .results;
    expect(results.map((r) => [r.service, r.digest, r.changed])).toEqual(SERVICES.map((s) => [s, digest, true]));

    started = Date.now();
    const again = await runCli(args, { cwd: root, env });
    const noopSeconds = (Date.now() - started) / 1000;
    expect(again.code, again.log).toBe(0);
    expect((JSON.parse(again.out) as { results: { changed: boolean }[] }).results.map((r) => r.changed)).toEqual([
      false,
      false,
      false,
    ]);

    for (const service of SERVICES) {
      const image = `${PROD_ECR}/platform/${service}@${digest}`;
      // Pre-flight reads prod's registry (standing in for prod's ECR): the promoted digest and
      // the scan attestations promote copied beside it.
      const deployed = await runCli(
        [
          "deploy-service",
          "--env",
          "prod",
          "--service",
          service,
          "--image",
          image,
          "--confirm",
          "prod",
          "--registry",
          prodRegistry.host,
        ],
        { cwd: root, env },
      );
      expect(deployed.code, deployed.log).toBe(0);
      expect(deployed.out).toContain(
        `pre-flight    repository ok: in ${prodRegistry.host}/platform/${service} (standing in for ${PROD_ECR}/platform/${service})`,
      );
      expect(deployed.out).toContain(`manifest ok: ${digest} has linux/amd64`);
      expect(deployed.out).toContain(`scan ok: 2 platform image(s) of ${digest}, each with a passing scan`);
    }
    const staging = await running("222222222222", "platform-staging");
    const prod = await running("333333333333", "platform-prod");
    for (const service of SERVICES) {
      expect(staging[service]).toContain(`@${digest}`);
      expect(prod[service]).toBe(`${PROD_ECR}/platform/${service}@${digest}`);
    }
    console.log(
      `promotion of ${SERVICES.length} services (2 platforms each): copy ${copySeconds.toFixed(1)} s, no-op repeat ${noopSeconds.toFixed(1)} s`,
    );
  }, 300_000);

  it("stops before any change when what staging runs has no scan attestations", async () => {
    const sha = "0123456789abcdef0123456789abcdef00000000";
    const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);
    const unscanned = await writeOciLayout(path.join(work, "unscanned"), [
      { architecture: "amd64", files: [...files, { path: "etc/build", content: "hotfix" }] },
    ]);
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${path.join(work, "unscanned")}`,
      `docker://${stagingRegistry.host}/platform/mcpo:${sha}`,
    ]);
    const ecs = await ecsIn("222222222222");
    const td = await ecs.registerTaskDefinition({
      family: "mcpo",
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        { name: "mcpo", image: `${STAGING_ECR}/platform/mcpo:${sha}@${unscanned}`, essential: true },
      ],
    });
    await ecs.updateService({
      cluster: "platform-staging",
      service: "mcpo",
      taskDefinition: td.taskDefinition!.taskDefinitionArn!,
    });
    ecs.destroy();

    const run = await runCli(
      ["promote", "--from", "staging", "--to", "prod", "--running", "--service", "mcpo", ...registries()],
      { cwd: root, env: { AWS_WEB_IDENTITY_TOKEN: token } },
    );
    expect(run.code).toBe(2);
    expect(run.log).toContain(`no scan attestations`);
    const inProd = execFileSync(
      "skopeo",
      ["list-tags", "--tls-verify=false", `docker://${prodRegistry.host}/platform/mcpo`],
      {
        encoding: "utf8",
      },
    );
    expect(inProd).not.toContain(sha);
  }, 120_000);
});
