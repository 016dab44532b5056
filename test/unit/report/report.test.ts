import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { PipelineError } from "../../../src/errors.js";
import { collectRecord } from "../../../src/report/collect.js";
import { renderChecks, renderSummary } from "../../../src/report/markdown.js";
import { writeResults } from "../../../src/report/write.js";

/**
 * The job summary and the pull-request check section, rendered from recorded runs: the
 * raw outputs a composite function collects (test/fixtures/report/<run>/), pinned by golden
 * files beside them. `npx vitest run test/unit/report -u` rewrites the goldens after an
 * intended change; review the diff like any other.
 */
const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures/report");
const golden = (name: string) => path.join(FIXTURES, "golden", name);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "report-"));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function recorded(run: string): Promise<string> {
  await cp(path.join(FIXTURES, run), dir, { recursive: true });
  return dir;
}

describe("the run record of a deploy with a failed deploy that was restored", () => {
  it("holds every stage, the plan counts, each image's digest and scans, and each service's revisions", async () => {
    const record = await collectRecord(await recorded("deploy-dev"));
    expect(record).toMatchObject({ pipeline: "deploy dev", ok: false, failedStep: "deployService mcpo", env: "dev" });
    expect(record.steps.map((s) => [s.name, s.status])).toEqual([
      ["buildAll", "passed"],
      ["scanImage", "passed"],
      ["publish", "passed"],
      ["plan", "passed"],
      ["apply", "passed"],
      ["deployService bedrock-gateway", "passed"],
      ["deployService open-webui", "passed"],
      ["deployService mcpo", "failed"],
    ]);
    expect(record.plan).toMatchObject({ add: 1, change: 2, destroy: 0 });
    const webui = record.images!.find((i) => i.service === "open-webui")!;
    expect(webui.digest).toMatch(/^sha256:a3f1c2d4/);
    expect(webui.scans.map((s) => [s.platform, s.passed, s.below])).toEqual([
      ["linux/amd64", true, 14],
      ["linux/arm64", true, 14],
    ]);
    expect(record.deploys).toEqual([
      expect.objectContaining({
        service: "bedrock-gateway",
        status: "unchanged",
        before: "platform-dev-bedrock-gateway:12",
      }),
      expect.objectContaining({ service: "mcpo", status: "failed-restored", before: "platform-dev-mcpo:7" }),
      expect.objectContaining({ service: "open-webui", status: "succeeded", after: "platform-dev-open-webui:42" }),
    ]);
    const mcpo = record.deploys!.find((d) => d.service === "mcpo")!;
    expect([mcpo.deployed, mcpo.after]).toEqual(["platform-dev-mcpo:8", "platform-dev-mcpo:7"]);
    expect(mcpo.failure).toContain("health: 0 of 2 ALB targets healthy");
  });

  it("renders the job summary the golden file holds", async () => {
    const summary = renderSummary(await collectRecord(await recorded("deploy-dev")));
    await expect(summary).toMatchFileSnapshot(golden("deploy-dev.summary.md"));
    expect(summary).toContain("↩️ failed, restored: health: 0 of 2 ALB targets healthy");
  });
});

describe("the run record of a pull request whose tests failed", () => {
  it("renders the job summary and the comment's check section the golden files hold", async () => {
    const record = await collectRecord(await recorded("pull-request-dev"));
    expect(record.tests).toEqual({
      passed: 811,
      failed: 1,
      skipped: 2,
      coverage: { lines: 87.85, branches: 80.97, functions: 92.4, statements: 87.54 },
    });
    expect(record.terraform).toEqual({ passed: true, threshold: "HIGH", blocking: 0, findings: 3, toolsFailed: [] });
    await expect(renderSummary(record)).toMatchFileSnapshot(golden("pull-request-dev.summary.md"));
    const checks = renderChecks(record);
    await expect(checks).toMatchFileSnapshot(golden("pull-request-dev.checks.md"));
    expect(checks).not.toContain("`comment`");
  });
});

describe("writeResults (the report verb)", () => {
  it("writes run.json, summary.md and checks.md, and every SARIF log with a category per run", async () => {
    const results = await recorded("deploy-dev");
    const { sarif } = await writeResults(results);
    expect(JSON.parse(await readFile(path.join(results, "run.json"), "utf8"))).toMatchObject({
      kind: "ecs-pipeline/run",
    });
    expect(await readFile(path.join(results, "summary.md"), "utf8")).toMatch(/^## `deploy dev`: ❌ failed/);
    expect(sarif).toEqual([
      "sarif/image-bedrock-gateway-linux-amd64.sarif",
      "sarif/image-bedrock-gateway-linux-arm64.sarif",
      "sarif/image-mcpo-linux-amd64.sarif",
      "sarif/image-mcpo-linux-arm64.sarif",
      "sarif/image-open-webui-linux-amd64.sarif",
      "sarif/image-open-webui-linux-arm64.sarif",
    ]);
    const ids = await Promise.all(
      (await readdir(path.join(results, "sarif"))).map(async (f) => {
        const log = JSON.parse(await readFile(path.join(results, "sarif", f), "utf8")) as {
          runs: { automationDetails: { id: string } }[];
        };
        return log.runs.map((r) => r.automationDetails.id);
      }),
    );
    // Code scanning refuses two runs of one tool with one category: every id differs.
    expect(new Set(ids.flat()).size).toBe(6);
  });

  it("gives each Terraform tool's run its own category", async () => {
    const results = await recorded("pull-request-dev");
    await writeResults(results);
    const log = JSON.parse(await readFile(path.join(results, "sarif/terraform.sarif"), "utf8")) as {
      runs: { automationDetails: { id: string } }[];
    };
    expect(log.runs.map((r) => r.automationDetails.id)).toEqual([
      "terraform/tflint-aws-ruleset/",
      "terraform/trivy-config/",
      "terraform/checkov/",
    ]);
  });

  it("refuses a directory without steps.json, naming it and what to pass", async () => {
    const err = await collectRecord(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).message).toContain(`results directory ${dir}: it has no steps.json`);
  });

  it("shows a promoted deploy's images by the digest promote copied, not as unscanned builds", async () => {
    await recorded("deploy-dev");
    await rm(path.join(dir, "scans"), { recursive: true });
    const digest = `sha256:${"c".repeat(64)}`;
    const reference = `210987654321.dkr.ecr.eu-west-1.amazonaws.com/platform/mcpo@${digest}`;
    await writeFile(
      path.join(dir, "publish.json"),
      JSON.stringify({ results: [{ service: "mcpo", digest, reference, changed: true }] }),
    );
    const record = await collectRecord(dir);
    expect(record.images).toEqual([{ service: "mcpo", digest, references: [reference], scans: [], promoted: true }]);
    expect(renderSummary(record)).toContain(
      `| \`mcpo\` | \`${digest}\` | promoted by digest; scan attestations re-checked |`,
    );
  });

  it("names the malformed file and the field", async () => {
    await recorded("deploy-dev");
    await writeFile(path.join(dir, "publish.json"), JSON.stringify({ images: [{ service: "mcpo" }] }));
    const err = await collectRecord(dir).catch((e: unknown) => e);
    expect((err as PipelineError).message).toBe(
      `Failed to read publish.json in the results directory ${dir}: images.0.references: Invalid input: expected array, received undefined`,
    );
  });

  it("is the CLI's report verb: prints the job summary and exits 0 for a failed run", async () => {
    const out: string[] = [];
    const log: string[] = [];
    const code = await main(["report", "--dir", await recorded("deploy-dev")], {
      out: (t) => out.push(t),
      log: (t) => log.push(t),
      env: {},
      cwd: "/",
    });
    expect(code).toBe(0);
    expect(out.join("\n")).toBe((await readFile(path.join(dir, "summary.md"), "utf8")).trimEnd());
    expect(log).toEqual(["report: deploy dev failed; 6 SARIF file(s)"]);
  });
});
