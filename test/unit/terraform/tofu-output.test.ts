import { describe, expect, it } from "vitest";
import { parseApplyStream } from "../../../src/terraform/apply-stream.js";
import { backendConfigArgs } from "../../../src/terraform/backend.js";
import type { TerraformProgress } from "../../../src/terraform/progress.js";
import { parseLockInfo, tofuEnv, tofuFailure } from "../../../src/terraform/tofu.js";

const env = (over: { endpoint?: string; lockTable?: string } = {}) => ({
  aws: { accountId: "123456789012", region: "eu-west-1", roles: {}, ...(over.endpoint ? { endpoint: over.endpoint } : {}) },
  terraform: {
    root: "terraform/platform",
    varFile: "environments/dev.tfvars",
    backend: { bucket: "b", key: "k.tfstate", region: "eu-west-1", ...(over.lockTable ? { lockTable: over.lockTable } : {}) },
  },
});

describe("backendConfigArgs", () => {
  it("uses the DynamoDB table when one is configured, else the S3 lockfile", () => {
    expect(backendConfigArgs(env({ lockTable: "locks" }))).toContain("-backend-config=dynamodb_table=locks");
    expect(backendConfigArgs(env())).toContain("-backend-config=use_lockfile=true");
    expect(backendConfigArgs(env()).join(" ")).not.toContain("endpoints");
  });

  it("points every backend client at the emulator and skips real-AWS checks when an endpoint is set", () => {
    const args = backendConfigArgs(env({ endpoint: "http://127.0.0.1:5000/" }));
    expect(args).toContain(
      '-backend-config=endpoints={s3="http://127.0.0.1:5000",dynamodb="http://127.0.0.1:5000",sts="http://127.0.0.1:5000",iam="http://127.0.0.1:5000"}',
    );
    expect(args).toContain("-backend-config=use_path_style=true");
    expect(args).toContain("-backend-config=skip_requesting_account_id=true");
  });
});

const LOCKED = `Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, ConditionalCheckFailedException
Lock Info:
  ID:        3f1b2c4d-0000-1111-2222-333344445555
  Path:      b/k.tfstate
  Operation: OperationTypeApply
  Who:       runner@ci-host
  Version:   1.12.6
  Created:   2026-11-23 06:14:02.123 +0000 UTC
  Info:
`;

describe("tofu failures", () => {
  it("reads who holds the state lock", () => {
    expect(parseLockInfo(LOCKED)).toEqual({
      id: "3f1b2c4d-0000-1111-2222-333344445555",
      who: "runner@ci-host",
      created: "2026-11-23 06:14:02.123 +0000 UTC",
      operation: "OperationTypeApply",
    });
  });

  it("turns a lock failure into an error that says how to wait or unlock", () => {
    const err = tofuFailure("apply the plan for dev", { exitCode: 1, stdout: "", stderr: LOCKED });
    expect(err.code).toBe("terraform.state-locked");
    expect(err.message).toContain("locked by runner@ci-host (lock 3f1b2c4d-0000-1111-2222-333344445555");
    expect(err.hint).toContain("tofu force-unlock 3f1b2c4d-0000-1111-2222-333344445555");
  });

  it("keeps tofu's own diagnostics in any other failure", () => {
    const err = tofuFailure("plan dev", { exitCode: 1, stdout: "", stderr: "Error: Unsupported argument\n  on main.tf line 3" });
    expect(err.code).toBe("terraform.tofu-failed");
    expect(err.message).toContain("on main.tf line 3");
  });

  it("drops a TF_CLI_CONFIG_FILE that names a missing file (tofu would print a warning into -json output)", () => {
    const out = tofuEnv({ env: { TF_CLI_CONFIG_FILE: "/nonexistent/.terraformrc", PATH: "/bin" }, dataDir: "/d" });
    expect(out.TF_CLI_CONFIG_FILE).toBeUndefined();
    expect(out).toMatchObject({ TF_DATA_DIR: "/d", TF_IN_AUTOMATION: "1", PATH: "/bin" });
  });
});

describe("parseApplyStream", () => {
  it("reports resources as tofu applies them and keeps the change summary and errors", () => {
    const events: TerraformProgress[] = [];
    const stream = parseApplyStream((e) => events.push(e));
    const lines = [
      { type: "version", terraform: "1.12.6" },
      { type: "apply_start", hook: { resource: { addr: "terraform_data.a" }, action: "create" } },
      { type: "apply_complete", hook: { resource: { addr: "terraform_data.a" }, action: "create", elapsed_seconds: 2 } },
      { type: "diagnostic", diagnostic: { severity: "warning", summary: "meh" } },
      { type: "diagnostic", diagnostic: { severity: "error", summary: "Boom", detail: "it broke" } },
      { type: "change_summary", changes: { add: 1, change: 0, remove: 0, operation: "apply" } },
    ];
    for (const l of lines) stream.line(JSON.stringify(l));
    stream.line("not json");
    expect(stream.result()).toEqual({
      changes: [{ address: "terraform_data.a", action: "create", seconds: 2 }],
      summary: { add: 1, change: 0, remove: 0 },
      errors: ["Boom: it broke"],
    });
    expect(events.map((e) => (e.kind === "resource" ? e.state : e.kind))).toEqual(["started", "done"]);
  });
});
