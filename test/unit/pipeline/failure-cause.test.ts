import { describe, expect, it } from "vitest";
import { step } from "../../../dagger/src/pipeline.js";
import { failureExcerpt, formatSummary, runSteps } from "../../../dagger/src/pipeline-runner.js";

/** What Dagger's SDK throws for a failed exec (ExecError's fields), with the streams given. */
function execError(exitCode: number, stdout: string, stderr: string): Error {
  return Object.assign(new Error(`process "..." did not complete successfully: exit code: ${exitCode}`), {
    exitCode,
    stdout,
    stderr,
    cmd: ["node", "dist/cli/main.js"],
  });
}

const progress = (n: number) => Array.from({ length: n }, (_, i) => `progress line ${i + 1}`).join("\n");

describe("a failed step's cause in the composite summary", () => {
  it("shows validateTerraform's verdict from stdout, not only stderr's progress lines (issue 10)", async () => {
    const stdout = [
      "validate-terraform: 2 findings at or above HIGH",
      "",
      "tflint (1)",
      '  terraform/platform/alb.tf:12 aws_lb_invalid_type: "application2" is an invalid value',
      "checkov (1)",
      "  terraform/platform/ecr.tf:3 CKV_AWS_51: ECR image tags are not immutable (HIGH)",
    ].join("\n");
    const stderr = `${progress(40)}\n==> checkov done`;
    const result = await runSteps({
      pipeline: "check",
      stages: [
        step("validateTerraform", async () => {
          throw execError(1, stdout, stderr);
        }),
      ],
    });
    const summary = formatSummary(result);
    expect(summary).toContain("FAILED at validateTerraform");
    expect(summary).toContain("validate-terraform: 2 findings at or above HIGH");
    expect(summary).toContain("aws_lb_invalid_type");
    expect(summary).toContain("CKV_AWS_51: ECR image tags are not immutable (HIGH)");
    expect(summary).toContain("exit code 1");
    // Forty progress lines would have buried it: only the end of stderr is kept.
    expect(summary).not.toContain("progress line 1\n");
    expect(summary).toContain("==> checkov done");
  });

  it("keeps the core's Error and Hint from stderr, wherever they are in a long log", () => {
    const stderr = [
      progress(10),
      "Error: Failed to assume arn:aws:iam::111111111111:role/deploy: AccessDenied",
      "Hint: the role trusts only the prod GitHub Environment",
      progress(30),
    ].join("\n");
    const lines = failureExcerpt({ stdout: "", stderr });
    expect(lines[0]).toMatch(/^stderr: \(\d+ earlier lines left out\)$|^stderr:$/);
    expect(lines).toContain("  Error: Failed to assume arn:aws:iam::111111111111:role/deploy: AccessDenied");
    expect(lines).toContain("  Hint: the role trusts only the prod GitHub Environment");
    expect(lines).toContain("  progress line 30");
    expect(lines.length).toBeLessThanOrEqual(13);
  });

  it("shares the lines between the two streams and says how many were left out", () => {
    const errors = (label: string, n: number) =>
      Array.from({ length: n }, (_, i) => `Error: ${label} ${i + 1}`).join("\n");
    const lines = failureExcerpt({ stdout: errors("out", 20), stderr: errors("err", 20) });
    expect(lines.filter((l) => l.startsWith("  "))).toHaveLength(12);
    expect(lines).toContain("stdout: (14 earlier lines left out)");
    expect(lines).toContain("stderr: (14 earlier lines left out)");
    expect(lines.at(-1)).toBe("  Error: err 20");
    // A short stream leaves its share to the other.
    const uneven = failureExcerpt({ stdout: "drift: 1 to change", stderr: errors("err", 20) });
    expect(uneven.filter((l) => l.startsWith("  Error"))).toHaveLength(11);
  });

  it("passes other errors through untouched", async () => {
    const run = step("plan", async () => {
      throw new Error("Unknown environment 'qa'");
    }).run;
    await expect(run()).rejects.toThrow(/^Unknown environment 'qa'$/);
  });
});
