import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoCredentials, startMoto, type Moto } from "../../support/moto.js";

describe("the AWS emulator the suites rely on", () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto({ env: { MOTO_ACCOUNT_ID: "123456789012" } });
  });
  afterAll(async () => moto.stop());

  it("answers STS GetCallerIdentity over real HTTP with the configured account", async () => {
    const creds = motoCredentials();
    const sts = new STSClient({
      endpoint: moto.endpoint,
      region: creds.AWS_REGION,
      credentials: { accessKeyId: creds.AWS_ACCESS_KEY_ID!, secretAccessKey: creds.AWS_SECRET_ACCESS_KEY! },
    });
    const id = await sts.send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe("123456789012");
  });
});
