import { readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ECRClient } from "@aws-sdk/client-ecr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSession } from "../../../src/aws/index.js";
import { loadEnvironment } from "../../../src/config/load.js";
import { ecrAuthorization, ecrRegistry } from "../../../src/images/ecr-auth.js";
import { motoCredentials, startMoto, type Moto } from "../../support/moto.js";
import { rootWithEndpoint, runCli } from "./support/cli.js";

let moto: Moto;
let root: string;

beforeAll(async () => {
  moto = await startMoto({ env: { MOTO_ACCOUNT_ID: "123456789012" } });
  root = await rootWithEndpoint(moto.endpoint, ["local"]);
});

afterAll(async () => {
  await moto?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("ECR authorization against the AWS emulator", () => {
  it("returns the registry login for the environment's account, user AWS and a token", async () => {
    const env = await loadEnvironment("local", { root });
    const session = await openSession(env, { purpose: "deploy", vars: motoCredentials() });
    const auth = await ecrAuthorization(new ECRClient(session.config), env);
    expect(auth.username).toBe("AWS");
    expect(auth.password.length).toBeGreaterThan(0);
    expect(auth.registry).toBe(ecrRegistry(env));
    expect(auth.registry).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
  });

  it("ecr-login writes the login to a private file and never prints the token", async () => {
    const output = path.join(root, "ecr.json");
    const run = await runCli(["ecr-login", "--env", "local", "--output", output], {
      cwd: root,
      env: motoCredentials(),
    });
    expect(run.code).toBe(0);
    const saved = JSON.parse(await readFile(output, "utf8")) as { password: string; registry: string };
    expect(saved.registry).toBe("123456789012.dkr.ecr.eu-west-1.amazonaws.com");
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    expect(`${run.out}\n${run.log}`).not.toContain(saved.password);
    expect(JSON.parse(run.out)).toMatchObject({ registry: saved.registry });
  });

  it("refuses before asking ECR when no credentials are given", async () => {
    const run = await runCli(["ecr-login", "--env", "local", "--output", path.join(root, "x.json")], {
      cwd: root,
      env: {},
    });
    expect(run.code).toBe(2);
    expect(run.log).toMatch(/Failed to resolve credentials/);
  });
});
