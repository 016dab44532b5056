import { describe, expect, it } from "vitest";
import { serveCredentials } from "../../../src/aws/credential-server.js";

describe("the container-credentials endpoint tofu reads", () => {
  it("answers only the holder of its token, each time with what the provider has now", async () => {
    let n = 0;
    const expiration = new Date("2026-12-03T12:00:00Z");
    await using endpoint = await serveCredentials(async () => ({
      accessKeyId: `AKIA${++n}`,
      secretAccessKey: "secret",
      sessionToken: "session",
      expiration,
    }));
    const url = endpoint.vars.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
    expect((await fetch(url)).status).toBe(403);
    expect((await fetch(url, { headers: { Authorization: "wrong" } })).status).toBe(403);
    const auth = { headers: { Authorization: endpoint.vars.AWS_CONTAINER_AUTHORIZATION_TOKEN } };
    const first = (await (await fetch(url, auth)).json()) as Record<string, string>;
    const second = (await (await fetch(url, auth)).json()) as Record<string, string>;
    expect(first).toEqual({
      AccessKeyId: "AKIA1",
      SecretAccessKey: "secret",
      Token: "session",
      Expiration: "2026-12-03T12:00:00.000Z",
    });
    expect(second.AccessKeyId).toBe("AKIA2");
    expect(endpoint.served()).toBe(2);
  });

  it("reports a failed refresh as an error the SDK shows, and closes", async () => {
    const endpoint = await serveCredentials(() =>
      Promise.reject(new Error("Failed to assume role arn:aws:iam::1:role/x: denied")),
    );
    const url = endpoint.vars.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    const res = await fetch(url, { headers: { Authorization: endpoint.vars.AWS_CONTAINER_AUTHORIZATION_TOKEN } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      code: "CredentialsUnavailable",
      message: "Failed to assume role arn:aws:iam::1:role/x: denied",
    });
    await endpoint.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
