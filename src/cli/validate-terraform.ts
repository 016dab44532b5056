import { writeFile } from "node:fs/promises";
import path from "node:path";
import { userError } from "../errors.js";
import { parseSeverity } from "../images/severity.js";
import { VALIDATE_TOOLS, type ValidateTool } from "../terraform/validate/findings.js";
import { renderValidateReport } from "../terraform/validate/report.js";
import { renderValidateSarif } from "../terraform/validate/sarif.js";
import { validateTerraform } from "../terraform/validate/validate.js";
import { listOption, type Command } from "./command.js";

/**
 * fmt, validate, tflint, trivy and checkov over terraform/ (or --dir), gated on one severity.
 * Exit 0 passed, 1 findings at or above the severity, 4 a tool could not run, 2 bad input.
 */
export const validateTerraformCommand: Command = {
  name: "validate-terraform",
  summary: "Check the Terraform code: fmt, init -backend=false + validate, tflint (AWS), trivy config, checkov",
  usage: `validate-terraform [--dir terraform] [--root DIR]... [--severity HIGH] [--sarif FILE] [--json-file FILE] [--skip ${VALIDATE_TOOLS.join("|")}]... [--json]`,
  options: {
    dir: { type: "string" },
    root: { type: "string", multiple: true },
    severity: { type: "string" },
    sarif: { type: "string" },
    "json-file": { type: "string" },
    skip: { type: "string", multiple: true },
    json: { type: "boolean", default: false },
  },
  async run(values, _positionals, io) {
    const threshold = parseSeverity(typeof values.severity === "string" ? values.severity : "HIGH");
    const skip = (Array.isArray(values.skip) ? values.skip : []).map((s) => toolName(String(s)));
    const result = await validateTerraform({
      repoRoot: io.cwd,
      ...(typeof values.dir === "string" ? { dir: values.dir } : {}),
      ...(listOption(values, "root").length ? { roots: listOption(values, "root") } : {}),
      threshold,
      skip,
      vars: io.env,
      onProgress: io.log,
    });
    if (typeof values.sarif === "string") {
      const file = path.resolve(io.cwd, values.sarif);
      await writeFile(file, JSON.stringify(renderValidateSarif(result), null, 2));
      io.log(`SARIF written to ${file}`);
    }
    if (typeof values["json-file"] === "string") {
      await writeFile(path.resolve(io.cwd, values["json-file"]), JSON.stringify(result, null, 2));
    }
    io.out(values.json ? JSON.stringify(result, null, 2) : renderValidateReport(result));
    if (result.failedTools.length > 0) return 4;
    return result.passed ? 0 : 1;
  },
};

function toolName(value: string): ValidateTool {
  const found = VALIDATE_TOOLS.find((t) => t === value);
  if (!found) {
    throw userError(
      "cli.bad-arguments",
      `--skip: found "${value}", expected one of ${VALIDATE_TOOLS.join(", ")}`,
      "Pass --skip once per tool to leave out, by those names.",
    );
  }
  return found;
}
