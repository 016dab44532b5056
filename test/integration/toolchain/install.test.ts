import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);

describe("the toolchain installer", () => {
  it("refuses a tool it does not know, naming it and the ones it knows, before installing anything", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "toolchain-"));
    const err = (await exec("bash", ["scripts/install-toolchain.sh", "terraform"], {
      env: { ...process.env, TOOLCHAIN_DIR: dir },
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(2);
    expect(err.stderr).toContain(
      "install-toolchain: unknown tool 'terraform' (known: apt python tofu trivy trivy-db tflint actionlint)",
    );
  });

  it("reports the pinned versions already installed as cached, and prints the bin directory last", async () => {
    // Runs against the real toolchain directory the suite itself uses: a second run is a no-op.
    const { stdout } = await exec("bash", ["scripts/install-toolchain.sh", "tofu", "python"]);
    const lines = stdout.trim().split("\n");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}tofu +v1\.12\.6 +cached$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}python-tools +moto=5\.2\.1 .* cached$/));
    expect(lines.at(-1)).toBe(
      path.join(process.env.TOOLCHAIN_DIR ?? path.join(os.homedir(), ".cache/ecs-pipeline-toolchain"), "bin"),
    );
  });
});
