import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { ValidateResult } from "../../src/terraform/validate/findings.js";
import { platformVars, REPO, requireAwsProvider } from "./support.js";

/**
 * The journey of issue 16 end to end: validate-terraform on a flat layout (`*.tf` at the top,
 * `modules/` beside them) that uses the AWS provider. `tofu validate` needs hashicorp/aws,
 * so this lives in the platform suite (npm run test:platform), with the same precondition.
 */
let vars: NodeJS.ProcessEnv;
let repo = "";

beforeAll(async () => {
  vars = platformVars();
  await requireAwsProvider(vars);
  repo = await mkdtemp(path.join(tmpdir(), "validate-flat-aws-"));
  await cp(path.join(REPO, "test/fixtures/terraform/validate/flat-aws"), repo, { recursive: true });
});
afterAll(async () => {
  if (repo) await rm(repo, { recursive: true, force: true });
});

async function validateFlat(): Promise<{ code: number; result: ValidateResult }> {
  const out: string[] = [];
  const code = await main(["validate-terraform", "--dir", ".", "--json"], {
    out: (t) => out.push(t),
    log: () => {},
    env: vars,
    cwd: repo,
  });
  return { code, result: JSON.parse(out.join("\n")) as ValidateResult };
}

describe("validate-terraform on a flat layout with the AWS provider", () => {
  it("fails on an undeclared variable and an invalid instance type, and passes once both are fixed", async () => {
    const failing = await validateFlat();
    expect(failing.code).toBe(1);
    expect(failing.result.failedTools).toEqual([]);
    expect(failing.result.blocking.map((f) => [f.tool, f.rule, f.file, f.line])).toEqual(
      expect.arrayContaining([
        ["validate", "tofu-validate-error", "main.tf", 11],
        ["tflint", "aws_instance_invalid_type", "main.tf", 4],
      ]),
    );

    const main_tf = path.join(repo, "main.tf");
    await writeFile(main_tf, (await readFile(main_tf, "utf8")).replace('"t9.mega"', '"t3.micro"'));
    await writeFile(
      path.join(repo, "variables.tf"),
      `${await readFile(path.join(repo, "variables.tf"), "utf8")}\nvariable "environment" {\n  description = "Environment tag."\n  type        = string\n  default     = "dev"\n}\n`,
    );
    const fixed = await validateFlat();
    expect(fixed.result.blocking).toEqual([]);
    expect(fixed.result.failedTools).toEqual([]);
    expect(fixed.code).toBe(0);
  });
});
