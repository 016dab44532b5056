import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { goBuildScript } from "../../../dagger/src/terraform.js";

const exec = promisify(execFile);

describe("the module's Go tool build (goTool in dagger/src/terraform.ts)", () => {
  it(
    "builds a pinned command from its own module download, with no `go install pkg@version`",
    { timeout: 600_000 },
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "go-tool-"));
      const out = path.join(dir, "out", "actionlint");
      const script = goBuildScript(
        "github.com/rhysd/actionlint",
        "v1.7.12",
        "cmd/actionlint",
        out,
        path.join(dir, "work"),
      );
      // `go install pkg@version` asks the proxy for the module's version list; restricted proxies refuse that.
      expect(script).not.toMatch(/go install/);
      await exec("sh", ["-c", script], {
        env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
        timeout: 600_000,
      });
      const { stdout } = await exec(out, ["-version"]);
      expect(stdout).toMatch(/built with go/);
    },
  );
});
