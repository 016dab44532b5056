import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import type { PolicyDocument } from "./render-documents.js";

/** Credentials that act in `account` on moto: moto answers AssumeRole into any account. */
export async function accountAdmin(endpoint: string, account: string) {
  const sts = new STSClient({
    region: "eu-west-1",
    endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/admin`, RoleSessionName: "setup" }),
  );
  sts.destroy();
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** Creates the role in its own account with the trust policy (and inline policy) as rendered. */
export async function createAccountRole(
  endpoint: string,
  roleArn: string,
  trust: PolicyDocument,
  policy?: PolicyDocument,
): Promise<void> {
  const [, account, name] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn) ?? [];
  const iam = new IAMClient({ region: "eu-west-1", endpoint, credentials: await accountAdmin(endpoint, account!) });
  try {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    if (policy) {
      await iam.send(
        new PutRolePolicyCommand({ RoleName: name, PolicyName: "inline", PolicyDocument: JSON.stringify(policy) }),
      );
    }
  } finally {
    iam.destroy();
  }
}

/** An unsigned JWT with GitHub Actions' claims (moto does not verify tokens). */
export function githubToken(subject: string): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: "https://token.actions.githubusercontent.com",
    aud: "sts.amazonaws.com",
    sub: subject,
    iat: now,
    exp: now + 300,
  };
  return `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
}
