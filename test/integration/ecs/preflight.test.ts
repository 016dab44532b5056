import type { ECS } from "@aws-sdk/client-ecs";
import { IAM } from "@aws-sdk/client-iam";
import type { S3 } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { historyKeys } from "../../../src/ecs/history.js";
import { lockPlace } from "../../../src/ecs/lock.js";
import type { PreflightCheck } from "../../../src/ecs/preflight.js";
import type { DeployResult } from "../../../src/ecs/result.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { requireTool } from "../../support/tools.js";
import { attest } from "../images/support/attest.js";
import { alpineRootfs, writeOciLayout } from "../images/support/oci.js";
import { startRegistry, type LocalRegistry } from "../images/support/registry.js";
import {
  CLUSTER,
  EXECUTION_ROLE,
  STATE_BUCKET,
  createService,
  ecsClient,
  registerRevision,
  root,
  running,
  s3Client,
  simulate,
} from "./fixture.js";

// Pre-flight over the emulator (ECS, IAM, the lock's S3) and a real registry on loopback
// standing in for ECR (moto's ECR takes no layers), images pushed with skopeo and attested
// as publish attests them. Every refusal must leave everything as it was: no revision
// registered, the service on its revision with one deployment, no history mark, no lock.
const REPOSITORY = "platform/open-webui";
const SCOPE = { cluster: CLUSTER, service: "open-webui" };
const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);

interface ErrorJson {
  status: "error";
  changed: false;
  error: { code: string; message: string; hint?: string };
  preflight?: PreflightCheck[];
}

describe("pre-flight: deploy-service and rollback check what they deploy before any change", () => {
  let moto: Moto;
  let registry: LocalRegistry;
  let ecs: ECS;
  let s3: S3;
  let dir: string;
  let work: string;
  const digests = new Map<string, string>();
  const image = (ref: string) => `${registry.host}/${REPOSITORY}${ref}`;
  const pinned = (tag: string) => image(`:${tag}@${digests.get(tag)!}`);

  /** Pushes one image under `tag` (content varies by tag, so each has its own digest). */
  async function push(tag: string, architectures: ("amd64" | "arm64")[]): Promise<void> {
    const layout = path.join(work, tag);
    const digest = await writeOciLayout(
      layout,
      architectures.map((architecture) => ({
        architecture,
        files: [...files, { path: "etc/build", content: `${tag} ${architecture}\n` }],
      })),
    );
    execFileSync("skopeo", [
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${layout}`,
      `docker://${registry.host}/${REPOSITORY}:${tag}`,
    ]);
    digests.set(tag, digest);
  }

  beforeAll(async () => {
    requireTool("skopeo");
    [moto, registry] = await Promise.all([startMoto(), startRegistry()]);
    ecs = ecsClient(moto);
    s3 = s3Client(moto.endpoint);
    work = await mkdtemp(path.join(tmpdir(), "preflight-images-"));
    await push("good", ["amd64"]);
    await attest(registry.host, REPOSITORY, "good");
    await push("multi", ["amd64", "arm64"]);
    await attest(registry.host, REPOSITORY, "multi");
    await push("arm", ["arm64"]);
    await attest(registry.host, REPOSITORY, "arm");
    await push("unscanned", ["amd64"]);
    await push("failing", ["amd64"]);
    await attest(registry.host, REPOSITORY, "failing", false);
    dir = await mkdtemp(path.join(tmpdir(), "preflight-cli-"));
    await mkdir(path.join(dir, "environments"));
    const local = JSON.parse(await readFile(path.join(root, "environments/local.json"), "utf8")) as {
      aws: { endpoint: string };
    };
    local.aws.endpoint = moto.endpoint;
    await writeFile(path.join(dir, "environments/local.json"), JSON.stringify(local));
    await cp(path.join(root, "environments/local.tfvars"), path.join(dir, "environments/local.tfvars"));
  }, 120_000);
  afterAll(async () => {
    ecs?.destroy();
    s3?.destroy();
    await Promise.all([moto?.stop(), registry?.stop()]);
    await Promise.all([dir, work].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 0.3, failSeconds: 0.3 });
    await createService(ecs, { image: pinned("good") });
  });

  async function run(...argv: string[]) {
    const out: string[] = [];
    const log: string[] = [];
    const code = await main(argv, {
      out: (t) => out.push(t),
      log: (t) => log.push(t),
      env: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
      cwd: dir,
    });
    return { code, out: out.join("\n"), log: log.join("\n") };
  }
  const fast = ["--poll-interval-ms", "100", "--timeout-seconds", "20", "--health-attempts", "1"];
  const deploy = (ref: string, ...extra: string[]) =>
    run("deploy-service", "--env", "local", "--service", "open-webui", "--image", ref, ...fast, ...extra);
  const withRegistry = () => ["--registry", registry.host];

  async function refused(r: { code: number; out: string; log: string }, revisionCount = 1): Promise<ErrorJson> {
    expect(r.code, r.log).toBe(2);
    const json = JSON.parse(r.out) as ErrorJson;
    expect(json).toMatchObject({ status: "error", changed: false, error: { code: "ecs.preflight-failed" } });
    await expectUntouched(revisionCount);
    return json;
  }

  /** Nothing registered, the service as it was, no history mark, no lock left behind. */
  async function expectUntouched(revisionCount = 1): Promise<void> {
    const revisions = (await ecs.listTaskDefinitions({ familyPrefix: "open-webui" })).taskDefinitionArns ?? [];
    expect(revisions).toHaveLength(revisionCount);
    const svc = (await ecs.describeServices({ cluster: CLUSTER, services: ["open-webui"] })).services![0]!;
    expect(svc.taskDefinition).toMatch(/open-webui:1$/);
    expect(svc.deployments).toHaveLength(1);
    const { tags } = await ecs.describeTaskDefinition({ taskDefinition: "open-webui:1", include: ["TAGS"] });
    expect(tags?.map((t) => t.key)).not.toContain(historyKeys(SCOPE).status);
    const place = lockPlace(STATE_BUCKET, CLUSTER, "open-webui");
    const lock = await s3.getObject({ Bucket: place.bucket, Key: place.key }).then(
      () => "held",
      (err: Error) => err.name,
    );
    expect(lock).toBe("NoSuchKey");
  }

  const statuses = (checks: PreflightCheck[] | undefined) => (checks ?? []).map((c) => `${c.check} ${c.status}`);

  it("deploys a published, attested image by digest, and the report shows each check passed", async () => {
    await push("next", ["amd64"]);
    await attest(registry.host, REPOSITORY, "next");
    const r = await deploy(pinned("next"), ...withRegistry(), "--json");
    expect(r.code, r.log).toBe(0);
    const result = JSON.parse(r.out) as DeployResult;
    expect(result.status).toBe("succeeded");
    expect(statuses(result.preflight)).toEqual(["repository passed", "manifest passed", "scan passed", "roles passed"]);
    expect(result.preflight![1]!.detail).toContain(`${digests.get("next")!} has linux/amd64`);
    expect(result.preflight![3]!.subject).toBe(`arn:aws:iam::123456789012:role/${EXECUTION_ROLE}`);
    expect(result.warnings).toEqual([]);
    expect(await running(ecs)).toMatch(/open-webui:2$/);
    const text = await deploy(pinned("multi"), ...withRegistry());
    expect(text.code, text.log).toBe(0);
    expect(text.out).toMatch(/pre-flight {4}repository ok: in 127\.0\.0\.1:\d+\/platform\/open-webui/);
    expect(text.out).toContain("scan ok: 2 platform image(s)");
    expect(text.log).toContain("pre-flight manifest PASSED");
  });

  it("reads an image named by the environment's ECR host from the registry standing in for it", async () => {
    const ecr = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${REPOSITORY}`;
    const r = await deploy(`${ecr}:good@${digests.get("good")!}`, ...withRegistry(), "--dry-run", "--json");
    expect(r.code, r.log).toBe(0);
    const result = JSON.parse(r.out) as DeployResult;
    expect(statuses(result.preflight)).toEqual(["repository passed", "manifest passed", "scan passed", "roles passed"]);
    expect(result.preflight![1]!.detail).toBe(`${digests.get("good")!} has linux/amd64`);
    const typo = await refused(await deploy(`${ecr}:goood`, ...withRegistry(), "--json"));
    expect(typo.error.message).toContain(`${image(":goood")} does not exist`);
  });

  it("refuses an image outside the configured repository, and says which flags deploy it anyway", async () => {
    const r = await deploy("docker.io/library/nginx:1.27", ...withRegistry(), "--json");
    const json = await refused(r);
    expect(statuses(json.preflight)).toEqual(["repository failed", "manifest skipped", "scan failed", "roles passed"]);
    expect(json.error.message).toContain("docker.io/library/nginx:1.27");
    expect(json.error.message).toContain(`docker.io/library/nginx is not ${registry.host}/${REPOSITORY}`);
    expect(json.error.message).toContain("2 of 4 failed; nothing was changed");
    expect(json.error.hint).toContain("--allow-foreign-image");
    expect(json.error.hint).toContain("--allow-unscanned");
    // Without --json: Error and Hint lines, exit 2, nothing else on stdout.
    const text = await deploy("docker.io/library/nginx:1.27", ...withRegistry());
    expect(text.code).toBe(2);
    expect(text.log).toMatch(/Error: Failed the pre-flight checks of deploy open-webui to local/);
    expect(text.log).toMatch(/Hint: .*--allow-foreign-image/);
    await expectUntouched();
  });

  it("deploys a foreign image only with both bypass flags, loudly, and the report records it", async () => {
    const only = await deploy("docker.io/library/nginx:1.27", ...withRegistry(), "--allow-foreign-image", "--json");
    expect(statuses((await refused(only)).preflight)).toEqual([
      "repository bypassed",
      "manifest skipped",
      "scan failed",
      "roles passed",
    ]);
    const r = await deploy(
      "docker.io/library/nginx:1.27",
      ...withRegistry(),
      "--allow-foreign-image",
      "--allow-unscanned",
      "--json",
    );
    expect(r.code, r.log).toBe(0);
    const result = JSON.parse(r.out) as DeployResult;
    expect(statuses(result.preflight)).toEqual([
      "repository bypassed",
      "manifest skipped",
      "scan bypassed",
      "roles passed",
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(
        /^PRE-FLIGHT BYPASSED \(repository\) for docker\.io\/library\/nginx:1\.27: .*--allow-foreign-image/,
      ),
      expect.stringMatching(/^PRE-FLIGHT BYPASSED \(scan\) for docker\.io\/library\/nginx:1\.27: .*--allow-unscanned/),
    ]);
    expect(r.log).toContain("WARNING pre-flight repository BYPASSED");
    expect(await running(ecs)).toMatch(/open-webui:2$/);
  });

  it("refuses a typo in a tag or a digest before registering anything", async () => {
    const tag = await refused(await deploy(image(":goood"), ...withRegistry(), "--json"));
    expect(statuses(tag.preflight)).toEqual(["repository passed", "manifest failed", "scan skipped", "roles passed"]);
    expect(tag.error.message).toContain(`${image(":goood")} does not exist: no manifest under that tag`);
    expect(tag.error.hint).toContain("Check goood for a typo");
    const typo = `sha256:${"0".repeat(64)}`;
    const digest = await refused(await deploy(image(`:good@${typo}`), ...withRegistry(), "--json"));
    expect(digest.error.message).toContain(`${image(`@${typo}`)} does not exist: no manifest under that digest`);
  });

  it("refuses an image without the task's CPU architecture", async () => {
    const json = await refused(await deploy(pinned("arm"), ...withRegistry(), "--json"));
    expect(statuses(json.preflight)).toEqual(["repository passed", "manifest failed", "scan passed", "roles passed"]);
    expect(json.error.message).toContain("has linux/arm64, but the task runs on linux/amd64");
  });

  it("refuses an image without a passing scan attestation unless --allow-unscanned, which is loud", async () => {
    const none = await refused(await deploy(pinned("unscanned"), ...withRegistry(), "--json"));
    expect(statuses(none.preflight)).toEqual(["repository passed", "manifest passed", "scan failed", "roles passed"]);
    expect(none.error.message).toContain(`no scan attestations (${registry.host}/${REPOSITORY}:sha256-`);
    const failing = await refused(await deploy(pinned("failing"), ...withRegistry(), "--json"));
    expect(failing.error.message).toContain("its scan failed the gate (2 finding(s) at or above CRITICAL)");
    const r = await deploy(pinned("unscanned"), ...withRegistry(), "--allow-unscanned", "--json");
    expect(r.code, r.log).toBe(0);
    const result = JSON.parse(r.out) as DeployResult;
    expect(statuses(result.preflight)).toContain("scan bypassed");
    expect(result.warnings).toEqual([expect.stringMatching(/^PRE-FLIGHT BYPASSED \(scan\)/)]);
  });

  it("refuses a missing execution role, with every other failure in the same report", async () => {
    await deleteRole(moto.endpoint, EXECUTION_ROLE);
    const json = await refused(await deploy(image(":nope"), ...withRegistry(), "--json"));
    expect(statuses(json.preflight)).toEqual(["repository passed", "manifest failed", "scan skipped", "roles failed"]);
    expect(json.error.message).toContain(`role ${EXECUTION_ROLE} does not exist in account 123456789012`);
    expect(json.error.hint).toContain("Apply the platform's Terraform");
  });

  it("checks on a dry run too, which is how a deploy is verified", async () => {
    const json = await refused(await deploy(image(":goood"), ...withRegistry(), "--dry-run", "--json"));
    expect(statuses(json.preflight)).toContain("manifest failed");
    const ok = await deploy(pinned("good"), ...withRegistry(), "--dry-run", "--json");
    expect(ok.code, ok.log).toBe(0);
    expect(statuses((JSON.parse(ok.out) as DeployResult).preflight)).toContain("scan passed");
  });

  it("refuses --registry for an environment that is not an emulator environment", async () => {
    const file = path.join(dir, "environments/local.json");
    const local = await readFile(file, "utf8");
    const real = JSON.parse(local) as {
      aws: { endpoint?: string };
      terraform: { backend: Record<string, string> };
    };
    delete real.aws.endpoint;
    // A real account's state is encrypted with the bootstrap's key (required outside an emulator).
    real.terraform.backend.kmsKeyId = "arn:aws:kms:eu-west-1:123456789012:alias/platform-real-tfstate";
    await writeFile(path.join(dir, "environments/real.json"), JSON.stringify({ ...real, name: "real" }));
    await cp(path.join(root, "environments/local.tfvars"), path.join(dir, "environments/real.tfvars"));
    const r = await run(
      "deploy-service",
      "--env",
      "real",
      "--service",
      "open-webui",
      "--image",
      pinned("good"),
      "--registry",
      registry.host,
      "--dry-run",
    );
    expect(r.code, r.log).toBe(2);
    expect(r.log).toContain(`Error: --registry ${registry.host}: environment real is not an emulator environment`);
  });

  describe("rollback", () => {
    const rollback = (...extra: string[]) =>
      run("rollback", "--env", "local", "--service", "open-webui", ...fast, ...withRegistry(), "--json", ...extra);

    it("checks the target's roles and image, not the repository or scan gate, and rolls back", async () => {
      // A revision of an unscanned image: rollback returns to what ran, whatever the gate says today.
      await registerRevision(ecs, pinned("unscanned"));
      const r = await rollback("--revision", "2");
      expect(r.code, r.log).toBe(0);
      const result = JSON.parse(r.out) as DeployResult;
      expect(statuses(result.preflight)).toEqual(["manifest passed", "roles passed"]);
      expect(await running(ecs)).toMatch(/open-webui:2$/);
    });

    it("refuses a target whose image is gone from the registry, or whose role was deleted", async () => {
      await registerRevision(ecs, image(":expired"));
      const gone = await refused(await rollback("--revision", "2"), 2);
      expect(statuses(gone.preflight)).toEqual(["manifest failed", "roles passed"]);
      expect(gone.error.message).toContain(
        "Failed the pre-flight checks of roll back open-webui in local to open-webui:2",
      );
      await deleteRole(moto.endpoint, EXECUTION_ROLE);
      const role = await refused(await rollback("--revision", "2"), 2);
      expect(statuses(role.preflight)).toEqual(["manifest failed", "roles failed"]);
    });
  });
});

async function deleteRole(endpoint: string, name: string): Promise<void> {
  const iam = new IAM({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  await iam.deleteRole({ RoleName: name });
  iam.destroy();
}
