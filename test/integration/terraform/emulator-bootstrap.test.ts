import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoCredentials, startMoto, type Moto } from "../../support/moto.js";
import { rootWithEndpoint, runCli } from "../images/support/cli.js";

let moto: Moto;
let root: string;

beforeAll(async () => {
  moto = await startMoto();
  root = await rootWithEndpoint(moto.endpoint, ["local"]);
});

afterAll(async () => {
  await moto?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("emulator-bootstrap", () => {
  it("creates the local environment's state bucket in a fresh emulator, and again is a no-op", async () => {
    const first = await runCli(["emulator-bootstrap", "--env", "local"], { cwd: root, env: motoCredentials() });
    expect(first.code, first.log).toBe(0);
    expect(first.out).toBe("created state bucket platform-tfstate-local (eu-west-1)");
    // S3 HeadBucket: 200 for a bucket that exists, 404 otherwise.
    expect((await fetch(`${moto.endpoint}/platform-tfstate-local`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${moto.endpoint}/no-such-bucket-here`, { method: "HEAD" })).status).toBe(404);
    const again = await runCli(["emulator-bootstrap", "--env", "local"], { cwd: root, env: motoCredentials() });
    expect(again.code, again.log).toBe(0);
    expect(again.out).toBe("state bucket platform-tfstate-local exists");
  });

  it("reaches the emulator the module bound through ECS_PIPELINE_AWS_ENDPOINT", async () => {
    const run = await runCli(["emulator-bootstrap", "--env", "local"], {
      env: { ...motoCredentials(), ECS_PIPELINE_AWS_ENDPOINT: moto.endpoint },
    });
    expect(run.code, run.log).toBe(0);
    // The first test made the bucket in this emulator: found there, so the call went there.
    expect(run.out).toBe("state bucket platform-tfstate-local exists");
  });

  it("refuses a real account before reading any credential", async () => {
    const run = await runCli(["emulator-bootstrap", "--env", "prod"], { cwd: root, env: {} });
    expect(run.code).toBe(2);
    expect(run.log).toContain("Refusing to bootstrap prod: environments/prod.json sets no aws.endpoint");
  });
});
