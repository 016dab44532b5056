import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveCredentials } from "../../../src/aws/credentials.js";
import { requireTool } from "../../support/tools.js";
import { startMoto } from "../../support/moto.js";
import { createAccountRole, githubToken } from "./emulated-accounts.js";
import { renderDocuments, type RenderedDocuments } from "./render-documents.js";
import { identityDecision, trustDecision } from "./simulate.js";

// The roles a promotion from staging (account 222222222222) to prod (333333333333) uses, with
// the documents Terraform renders from environments/{staging,prod}.bootstrap.tfvars.
const REPO = "example-org/ecs-pipeline";
const SOURCE_ROLE = "arn:aws:iam::222222222222:role/platform-staging-promote-source";
const PROD_DEPLOY = "arn:aws:iam::333333333333:role/platform-prod-deploy";
const STAGING_DEPLOY = "arn:aws:iam::222222222222:role/platform-staging-deploy";
const job = (env: string) => `repo:${REPO}:environment:${env}`;

let staging: RenderedDocuments;
let prod: RenderedDocuments;

beforeAll(async () => {
  requireTool("tofu");
  [staging, prod] = await Promise.all([renderDocuments("staging"), renderDocuments("prod")]);
}, 120_000);

describe("who may assume the promotion's roles (trust policies evaluated by iam-simulate)", () => {
  it("prod's deploy job gets staging's pull-only role and prod's deploy role", () => {
    expect(trustDecision(staging.promote_source_trust, { roleArn: SOURCE_ROLE, subject: job("prod") })).toBe("Allowed");
    expect(trustDecision(prod.deploy_trust, { roleArn: PROD_DEPLOY, subject: job("prod") })).toBe("Allowed");
  });

  it("refuses every other job: staging's own deploy, branches, pull requests, other repositories, other audiences", () => {
    const refused = [
      { subject: job("staging") },
      { subject: job("dev") },
      { subject: `repo:${REPO}:ref:refs/heads/main` },
      { subject: `repo:${REPO}:pull_request` },
      { subject: `repo:someone-else/ecs-pipeline:environment:prod` },
      { subject: job("prod"), audience: "https://github.com/example-org" },
    ];
    for (const r of refused) {
      expect(trustDecision(staging.promote_source_trust, { roleArn: SOURCE_ROLE, ...r }), JSON.stringify(r)).toBe(
        "ImplicitlyDenied",
      );
    }
    // Staging's deploy role stays staging's: the promoting job cannot write there.
    expect(trustDecision(staging.deploy_trust, { roleArn: STAGING_DEPLOY, subject: job("prod") })).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("what the pull-only role may do (its policy evaluated by iam-simulate)", () => {
  const repo = "arn:aws:ecr:eu-west-1:222222222222:repository/platform/mcpo";
  const service = "arn:aws:ecs:eu-west-1:222222222222:service/platform-staging/mcpo";
  const decide = (action: string, resource: string) =>
    identityDecision(staging.promote_source_policy, { roleArn: SOURCE_ROLE, action, resource });

  it("reads what staging's services run and pulls their images", async () => {
    expect(await decide("ecs:DescribeServices", service)).toBe("Allowed");
    expect(await decide("ecs:DescribeTaskDefinition", "*")).toBe("Allowed");
    expect(await decide("ecr:GetAuthorizationToken", "*")).toBe("Allowed");
    for (const pull of ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]) {
      expect(await decide(pull, repo), pull).toBe("Allowed");
    }
  });

  it("changes nothing and reads nothing outside staging's platform", async () => {
    expect(await decide("ecr:PutImage", repo)).toBe("ImplicitlyDenied");
    expect(await decide("ecr:BatchDeleteImage", repo)).toBe("ImplicitlyDenied");
    expect(await decide("ecs:UpdateService", service)).toBe("ImplicitlyDenied");
    expect(await decide("ecs:RegisterTaskDefinition", "*")).toBe("ImplicitlyDenied");
    // Another environment sharing the account.
    expect(await decide("ecs:DescribeServices", "arn:aws:ecs:eu-west-1:222222222222:service/platform-dev/mcpo")).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide("ecr:BatchGetImage", "arn:aws:ecr:eu-west-1:222222222222:repository/other/app")).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("the promoting job's token exchanged on the emulator", () => {
  it("lands in staging's account with the pull-only role and in prod's with the deploy role", async () => {
    // moto's AssumeRoleWithWebIdentity checks neither the token nor the role's trust policy
    // (it would hand these roles to any job): the refusals are decided above, by iam-simulate.
    const moto = await startMoto();
    try {
      await createAccountRole(moto.endpoint, SOURCE_ROLE, staging.promote_source_trust, staging.promote_source_policy);
      await createAccountRole(moto.endpoint, PROD_DEPLOY, prod.deploy_trust);
      const token = githubToken(job("prod"));
      for (const [roleArn, account] of [
        [SOURCE_ROLE, "222222222222"],
        [PROD_DEPLOY, "333333333333"],
      ] as const) {
        const credentials = resolveCredentials({
          source: { kind: "web-identity", roleArn, token },
          region: "eu-west-1",
          endpoint: moto.endpoint,
          sessionName: "ecs-pipeline-promote",
        });
        const sts = new STSClient({ region: "eu-west-1", endpoint: moto.endpoint, credentials });
        const who = await sts.send(new GetCallerIdentityCommand({}));
        sts.destroy();
        expect(who.Account).toBe(account);
        expect(who.Arn).toBe(`arn:aws:sts::${account}:assumed-role/${roleArn.split("/").pop()}/ecs-pipeline-promote`);
      }
    } finally {
      await moto.stop();
    }
  }, 60_000);
});
