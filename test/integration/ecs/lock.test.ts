import type { ECS } from "@aws-sdk/client-ecs";
import type { S3 } from "@aws-sdk/client-s3";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { deployService } from "../../../src/ecs/deploy.js";
import { lockPlace, type LockHolder } from "../../../src/ecs/lock.js";
import type { EcsProgress } from "../../../src/ecs/progress.js";
import { rollback } from "../../../src/ecs/rollback.js";
import { startMoto, type Moto } from "../../support/moto.js";
import {
  CLUSTER,
  REPO,
  STATE_BUCKET,
  createService,
  ecsClient,
  fast,
  localEnv,
  root,
  running,
  s3Client,
  simulate,
  vars,
} from "./fixture.js";

const place = lockPlace(STATE_BUCKET, CLUSTER, "open-webui");

describe("one rollout per service: the lock in the state bucket", () => {
  let moto: Moto;
  let ecs: ECS;
  let s3: S3;
  beforeAll(async () => {
    moto = await startMoto();
    ecs = ecsClient(moto);
    s3 = s3Client(moto.endpoint);
  });
  afterAll(async () => {
    ecs.destroy();
    s3.destroy();
    await moto.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await simulate(moto, "config", { rolloutSeconds: 1, failSeconds: 1 });
    await createService(ecs);
  });

  const deploy = async (tag: string, onProgress?: (e: EcsProgress) => void) =>
    deployService({
      env: await localEnv(moto),
      service: "open-webui",
      image: `${REPO}:${tag}`,
      credentials: { vars },
      timing: fast,
      ...(onProgress ? { onProgress } : {}),
    });

  const lockObject = () =>
    s3.getObject({ Bucket: place.bucket, Key: place.key }).then(
      async (o) => JSON.parse((await o.Body?.transformToString()) ?? "{}") as LockHolder,
      () => undefined,
    );

  const plantLock = (holder: Partial<LockHolder>) =>
    s3.putObject({
      Bucket: place.bucket,
      Key: place.key,
      Body: JSON.stringify({
        id: "dead-beef",
        owner: "arn:aws:sts::123456789012:assumed-role/platform-local-deploy/ci (runner@ci-7, pid 42)",
        verb: "deploy",
        startedAt: "2026-01-01T00:00:00.000Z",
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        ...holder,
      }),
    });

  it("lets exactly one of two deploys started together run, and refuses the other naming the holder", async () => {
    const results = await Promise.allSettled([deploy("v2"), deploy("v3")]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: "ecs.locked" });
    expect((lost[0]!.reason as Error).message).toMatch(
      /another rollout of this service is in progress \(deploy by arn:aws:/,
    );
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof deploy>>>).value;
    expect(winner.status).toBe("succeeded");
    expect(await running(ecs)).toBe(winner.to);
    expect(await lockObject()).toBeUndefined();
  });

  it("refuses a rollback while a deploy rolls out, and the deploy ends where it says", async () => {
    let refused: unknown;
    const env = await localEnv(moto);
    const result = await deploy("v2", (e) => {
      if (e.kind === "step" && e.message.startsWith("service updated to") && refused === undefined) {
        refused = rollback({ env, service: "open-webui", revision: "1", credentials: { vars }, timing: fast }).catch(
          (err: unknown) => err,
        );
      }
    });
    expect(await refused).toMatchObject({ code: "ecs.locked" });
    expect(result.status).toBe("succeeded");
    expect(await running(ecs)).toMatch(/open-webui:2$/);
  });

  it("takes over the lock of a holder that died once it expired, and says so", async () => {
    await plantLock({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    const events: EcsProgress[] = [];
    const result = await deploy("v2", (e) => events.push(e));
    expect(result.status).toBe("succeeded");
    expect(JSON.stringify(events)).toContain(
      "took over an expired rollout lock (deploy by arn:aws:sts::123456789012:assumed-role",
    );
  });

  it("unlock-service removes a live lock only by its id; then the deploy runs", async () => {
    await plantLock({});
    await expect(deploy("v2")).rejects.toMatchObject({
      code: "ecs.locked",
      hint: expect.stringContaining("--lock-id dead-beef"),
    });
    const dir = await mkdtemp(path.join(tmpdir(), "ecs-unlock-"));
    try {
      await mkdir(path.join(dir, "environments"));
      const local = JSON.parse(await readFile(path.join(root, "environments/local.json"), "utf8")) as {
        aws: { endpoint: string };
      };
      local.aws.endpoint = moto.endpoint;
      await writeFile(path.join(dir, "environments/local.json"), JSON.stringify(local));
      await cp(path.join(root, "environments/local.tfvars"), path.join(dir, "environments/local.tfvars"));
      const run = async (id: string) => {
        const out: string[] = [];
        const log: string[] = [];
        const code = await main(["unlock-service", "--env", "local", "--service", "open-webui", "--lock-id", id], {
          out: (t) => out.push(t),
          log: (t) => log.push(t),
          env: { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing" },
          cwd: dir,
        });
        return { code, text: [...out, ...log].join("\n") };
      };
      const wrong = await run("not-the-id");
      expect(wrong.code).toBe(2);
      expect(wrong.text).toContain("id dead-beef, not not-the-id");
      const right = await run("dead-beef");
      expect(right.code).toBe(0);
      expect(right.text).toContain(
        "removed the lock of deploy by arn:aws:sts::123456789012:assumed-role/platform-local-deploy/ci",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await deploy("v2")).status).toBe("succeeded");
  });
});
