import { appendFile, cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { findingsOf, type ToolStatus, type ValidateResult, type ValidateTool } from "../../../src/terraform/validate/findings.js";
import { renderValidateReport } from "../../../src/terraform/validate/report.js";
import { renderValidateSarif } from "../../../src/terraform/validate/sarif.js";
import { validateTerraform, type ValidateOptions } from "../../../src/terraform/validate/validate.js";
import { requireTool } from "../../support/tools.js";
import { sarifErrors } from "../../unit/images/fixtures/sarif-schema.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, "../../..");
const FIXTURES = path.resolve(here, "../../fixtures/terraform/validate");
const ESC = "\u001b";

/** A throw-away copy of one fixture layout: tofu init and the .pipeline/ folder write into it. */
async function layout(name: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), `tf-validate-${name}-`));
  await cp(path.join(FIXTURES, name), root, { recursive: true });
  return root;
}

const validateIn = (repoRoot: string, options: Partial<ValidateOptions> = {}) =>
  validateTerraform({ repoRoot, dir: ".", vars: process.env, ...options });

const tool = (result: ValidateResult, name: ValidateTool): ToolStatus => {
  const t = result.tools.find((s) => s.tool === name);
  if (!t) throw new Error(`${name} missing from the result`);
  return t;
};
const statuses = (result: ValidateResult) => result.tools.map((t) => [t.tool, t.status]);

beforeAll(() => {
  for (const name of ["tofu", "tflint", "trivy", "checkov"]) requireTool(name);
});

// Each case runs up to five real tools, some twice: minutes on a loaded 2-core machine.
describe("validateTerraform on the layouts people have, with the real tools", { timeout: 300_000 }, () => {
  it("flat root with modules: fails on an undeclared variable in the root itself, passes once it is declared", async () => {
    const repo = await layout("flat");
    const failing = await validateIn(repo);
    expect(statuses(failing)).toEqual(["fmt", "validate", "tflint", "trivy", "checkov"].map((t) => [t, "ran"]));
    expect(tool(failing, "validate")).toMatchObject({ note: "roots: ." });
    expect(failing.blocking).toEqual([
      expect.objectContaining({ tool: "validate", file: "main.tf", line: 9, severity: "CRITICAL", message: expect.stringContaining('"owner" has not been declared') }),
    ]);
    expect(failing.passed).toBe(false);

    await appendFile(path.join(repo, "variables.tf"), '\nvariable "owner" {\n  description = "Owner of the stack."\n  type        = string\n  default     = "platform"\n}\n');
    const fixed = await validateIn(repo);
    expect(fixed.blocking).toEqual([]);
    expect(fixed.failedTools).toEqual([]);
    expect(fixed.passed).toBe(true);
  });

  it("AWS ruleset: always in force, with or without the user's .tflint.hcl, and the report names its version", async () => {
    const repo = await layout("aws-ruleset");
    // tofu validate needs the hashicorp/aws provider, which CI machines cannot download.
    const bare = await validateIn(repo, { skip: ["validate"] });
    const expected = expect.objectContaining({ rule: "aws_instance_invalid_type", severity: "HIGH", file: "main.tf", line: 14 });
    expect(findingsOf(tool(bare, "tflint"))).toContainEqual(expected);
    expect(tool(bare, "tflint")).toMatchObject({
      status: "ran",
      note: expect.stringMatching(/tflint-ruleset-aws 0\.48\.0.*config: the pipeline's$/),
      components: expect.arrayContaining([{ name: "tflint-ruleset-aws", version: "0.48.0" }]),
    });
    expect(renderValidateReport(bare)).toContain("tflint (AWS ruleset): ");

    await writeFile(path.join(repo, ".tflint.hcl"), 'plugin "aws" {\n  enabled = false\n}\n\nrule "terraform_required_version" {\n  enabled = false\n}\n');
    const withUserConfig = await validateIn(repo, { skip: ["validate"] });
    expect(findingsOf(tool(withUserConfig, "tflint"))).toContainEqual(expected);
    expect(tool(withUserConfig, "tflint")).toMatchObject({
      note: expect.stringContaining('config: .tflint.hcl merged with the pipeline\'s; not applied from your config: plugin "aws" enabled = false'),
    });
    const sarifRun = renderValidateSarif(withUserConfig).runs.find((r) => r.tool.driver.name === "tflint (AWS ruleset)");
    expect(sarifRun?.tool.extensions).toContainEqual({ name: "tflint-ruleset-aws", version: "0.48.0" });
  });

  it("one root in a subfolder, scanned from the top: the root is found and the pipeline's own folders are never scanned", async () => {
    const repo = await layout("subfolder");
    const insecure = await readFile(path.join(FIXTURES, "instances/modules/sg/main.tf"), "utf8");
    for (const planted of [".pipeline/terraform/modules/planted", "infra/.terraform/modules/planted"]) {
      await mkdir(path.join(repo, planted), { recursive: true });
      await writeFile(path.join(repo, planted, "main.tf"), insecure.replace("ingress", "ingress ") /* unformatted too */);
    }
    const result = await validateIn(repo, { skip: ["validate"] });
    const all = result.tools.flatMap(findingsOf);
    expect(all.filter((f) => f.file.includes(".pipeline") || f.file.includes(".terraform"))).toEqual([]);
    expect(result.passed).toBe(true);
    expect((await validateIn(repo, { skip: ["fmt", "tflint", "trivy", "checkov"] })).tools[1]).toMatchObject({ status: "ran", note: "roots: infra" });
  });

  it("several roots sharing a module: each root is validated, the module only through them", async () => {
    const result = await validateIn(await layout("several"), { skip: ["tflint", "trivy", "checkov"] });
    expect(tool(result, "validate")).toMatchObject({ status: "ran", note: "roots: stacks/app, stacks/data" });
    expect(findingsOf(tool(result, "validate")).map((f) => [f.file, f.line])).toEqual([
      ["stacks/app/main.tf", 17],
      ["stacks/data/main.tf", 17],
    ]);
  });

  it("a broken root beside a good one: the good root's findings survive, the broken one fails the gate in text, JSON and SARIF", async () => {
    const repo = await layout("broken");
    const out: string[] = [];
    const code = await main(["validate-terraform", "--dir", ".", "--json", "--sarif", "out.sarif", "--skip", "checkov"], {
      out: (t) => out.push(t),
      log: () => {},
      env: process.env,
      cwd: repo,
    });
    expect(code).toBe(4);
    const result = JSON.parse(out.join("\n")) as ValidateResult;
    expect(tool(result, "validate")).toMatchObject({
      status: "failed",
      failures: [{ where: "bad", message: expect.stringContaining("Unreadable module directory") }],
      findings: [expect.objectContaining({ file: "good/main.tf", line: 12 })],
    });
    // tflint cannot load that root either, and says which directory; the gate names both tools.
    expect(result.failedTools).toEqual(["validate", "tflint"]);
    expect(tool(result, "tflint")).toMatchObject({ failures: [{ where: "bad", message: expect.stringContaining('"network" module is not found') }] });
    const sarif = JSON.parse(await readFile(path.join(repo, "out.sarif"), "utf8")) as ReturnType<typeof renderValidateSarif>;
    const run = sarif.runs.find((r) => r.tool.driver.name === "tofu validate");
    expect(run?.invocations?.[0]).toMatchObject({ executionSuccessful: false, toolExecutionNotifications: [{ level: "error" }] });
    expect(run?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe("good/main.tf");
    expect(sarifErrors(sarif)).toEqual([]);
  });

  it("a syntax error: validate reports it with its line, tools that cannot parse fail the gate with clean messages", async () => {
    const result = await validateIn(await layout("syntax"));
    expect(findingsOf(tool(result, "validate"))).toEqual([expect.objectContaining({ file: "main.tf", line: 10, severity: "CRITICAL" })]);
    // The unformatted module is still reported though tofu fmt stops at the broken file.
    expect(findingsOf(tool(result, "fmt")).map((f) => f.file)).toEqual(["modules/ok/main.tf"]);
    const failed = result.tools.filter((t) => t.status === "failed");
    expect(failed.map((t) => t.tool)).toEqual(expect.arrayContaining(["fmt", "tflint"]));
    for (const t of failed) {
      for (const f of t.status === "failed" ? t.failures : []) {
        expect(f.message).not.toContain(ESC);
        expect(f.message.trimStart().startsWith("{")).toBe(false);
      }
    }
    expect(result.passed).toBe(false);
    expect(renderValidateReport(result)).toMatch(/validateTerraform failed: .*could not run: .*fmt.*tflint/);
  });

  it("one module called twice: trivy and checkov name the module instance and the line that calls it", async () => {
    const result = await validateIn(await layout("instances"), { skip: ["validate"] });
    for (const name of ["trivy", "checkov"] as const) {
      const ssh = findingsOf(tool(result, name)).filter((f) => f.rule === (name === "trivy" ? "AWS-0107" : "CKV_AWS_24"));
      expect(ssh.map((f) => [f.file, f.module, f.calledFrom])).toEqual(
        expect.arrayContaining([
          ["modules/sg/main.tf", "module.efs_sg", { file: "main.tf", line: 16 }],
          ["modules/sg/main.tf", "module.app_sg", { file: "main.tf", line: 21 }],
        ]),
      );
    }
  });

  it("passes on this repository's platform code (fmt, tflint, trivy, checkov; validate needs the AWS provider)", async () => {
    const result = await validateTerraform({ repoRoot: REPO, vars: process.env, skip: ["validate"] });
    expect(result.failedTools).toEqual([]);
    expect(result.blocking).toEqual([]);
    expect(result.passed).toBe(true);
  });
});
