import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECRClient } from "@aws-sdk/client-ecr";
import { openSession } from "../../../src/aws/index.js";
import { loadEnvironment } from "../../../src/config/load.js";
import { ecrAuthorization } from "../../../src/images/ecr-auth.js";
import { manifestDigest } from "../../../src/images/skopeo.js";
import { motoCredentials, startMoto, type Moto } from "../../support/moto.js";
import { requireTool } from "../../support/tools.js";
import { rootWithEndpoint, runCli } from "./support/cli.js";
import { alpineRootfs, writeOciArchive } from "./support/oci.js";
import { startRegistry, type LocalRegistry } from "./support/registry.js";

// A real registry on loopback and a two-platform OCI archive, the shape Dagger's asTarball
// hands publish; skopeo pushes it exactly as it pushes to ECR (minus TLS and the login).
let registry: LocalRegistry;
let moto: Moto;
let work: string;
let archive: string;
let indexDigest: string;

beforeAll(async () => {
  requireTool("skopeo");
  [registry, moto] = await Promise.all([startRegistry(), startMoto({ env: { MOTO_ACCOUNT_ID: "123456789012" } })]);
  work = await mkdtemp(path.join(tmpdir(), "push-image-"));
  archive = path.join(work, "image.tar");
  const files = alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r28" }]);
  indexDigest = await writeOciArchive(archive, [
    { architecture: "amd64", files },
    { architecture: "arm64", files: [...files, { path: "etc/arch", content: "arm64\n" }] },
  ]);
});

afterAll(async () => {
  await Promise.all([registry?.stop(), moto?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe("push-image", () => {
  it("pushes every platform of the archive under each tag, one digest, and prints the references", async () => {
    const tags = ["0123456789abcdef0123456789abcdef01234567", "local-0123456789ab"];
    const run = await runCli([
      "push-image",
      "--env",
      "local",
      "--archive",
      archive,
      "--repository",
      "platform/mcpo",
      ...tags.flatMap((t) => ["--tag", t]),
      "--registry",
      registry.host,
      "--insecure-registry",
    ]);
    expect(run.code, run.log).toBe(0);
    const result = JSON.parse(run.out) as { digest: string; references: string[] };
    expect(result.references).toEqual(tags.map((t) => `${registry.host}/platform/mcpo:${t}@${result.digest}`));
    for (const t of tags) {
      const raw = execFileSync("skopeo", [
        "inspect",
        "--raw",
        "--tls-verify=false",
        `docker://${registry.host}/platform/mcpo:${t}`,
      ]);
      expect(manifestDigest(raw)).toBe(result.digest);
      const index = JSON.parse(raw.toString()) as { manifests: { platform: { architecture: string } }[] };
      expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(["amd64", "arm64"]);
    }
    expect(result.digest).toBe(indexDigest);
  });

  it("refuses a push without a tag, naming the option", async () => {
    const run = await runCli([
      "push-image",
      "--env",
      "local",
      "--archive",
      archive,
      "--repository",
      "platform/mcpo",
      "--registry",
      registry.host,
      "--insecure-registry",
    ]);
    expect(run.code).toBe(2);
    expect(run.log).toMatch(/no tag/);
  });

  it("logs in to the environment's ECR itself and never shows the password, even when the push fails", async () => {
    const root = await rootWithEndpoint(moto.endpoint, ["local"]);
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith("ecs-pipeline-auth-"));
    const run = await runCli(
      ["push-image", "--env", "local", "--archive", archive, "--repository", "platform/mcpo", "--tag", "t1"],
      { cwd: root, env: motoCredentials() },
    );
    // moto's ECR hands out a token but its registry host does not exist: the push fails there.
    expect(run.code).not.toBe(0);
    expect(run.log).toMatch(/Failed to push 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/platform\/mcpo:t1/);
    const env = await loadEnvironment("local", { root });
    const session = await openSession(env, { purpose: "deploy", vars: motoCredentials() });
    const { password } = await ecrAuthorization(new ECRClient(session.config), env);
    expect(password.length).toBeGreaterThan(0);
    expect(`${run.out}\n${run.log}`).not.toContain(password);
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith("ecs-pipeline-auth-"));
    expect(after.filter((f) => !before.includes(f))).toEqual([]);
    await rm(root, { recursive: true, force: true });
  });
});
