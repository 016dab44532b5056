/**
 * What a run leaves for its readers beside the log: the module collects each step's raw
 * outputs into one directory and the core's `report` verb turns it into the run record
 * (run.json), the job summary (summary.md), the comment's check section (checks.md) and
 * sarif/ (every SARIF log, one category per run). The CIs upload that directory.
 */
import { dag, ReturnType, type Directory } from "@dagger.io/dagger";
import { CORE_CLI, coreToolbox, everyCall, testMachine } from "./containers.js";
import { projectEmulator } from "./emulator.js";
import type { PipelineResult } from "./pipeline-runner.js";

/** A run's outcome as the composites return it; index.ts hands it out as a PipelineRun. */
export interface RunOutcome {
  report: string;
  passed: boolean;
  results: Directory;
}

/** Each step's raw outputs, filled in as the steps run; what a step did not leave stays absent. */
export interface RawResults {
  /** test: junit.xml, test-results.json, coverage/, report.txt. */
  test?: Directory;
  /** validateTerraform: report.txt, findings.json, terraform.sarif. */
  terraform?: Directory;
  /** plan: only meta.json and summary.md are kept (plan.tfplan and plan.json may hold secrets). */
  plan?: Directory;
  /** scanImage: <service>/<platform>/ report.sarif, report.json, attestation-*.json. */
  scans?: Directory;
  /** publish: its JSON (references with digests). */
  publish?: string;
  /** deployService: each service's JSON result. */
  deploys: Map<string, string>;
}

export interface RunMeta {
  pipeline: string;
  /** The module function that ran: check, pullRequest, deploy, detectDrift. */
  function: string;
  env?: string;
  commit?: string;
}

/** The raw outputs and the step runner's result, turned into the results directory by the core. */
export function resultsDirectory(source: Directory, raw: RawResults, meta: RunMeta, result: PipelineResult): Directory {
  let dir = dag.directory().withNewFile("steps.json", JSON.stringify({ ...meta, result }, null, 2));
  if (raw.test) dir = dir.withDirectory("test", raw.test);
  if (raw.terraform) dir = dir.withDirectory("terraform", raw.terraform);
  if (raw.plan) {
    dir = dir
      .withFile("plan/meta.json", raw.plan.file("meta.json"))
      .withFile("plan/summary.md", raw.plan.file("summary.md"));
  }
  if (raw.scans) dir = dir.withDirectory("scans", raw.scans);
  if (raw.publish) dir = dir.withNewFile("publish.json", raw.publish);
  for (const [service, json] of raw.deploys) dir = dir.withNewFile(`deploys/${service}.json`, json);
  return coreToolbox(source)
    .withDirectory("/results", dir)
    .withExec([...CORE_CLI, "report", "--dir", "/results"])
    .directory("/results");
}

/** What one run of the test command produced. */
export interface TestRun {
  passed: boolean;
  /** scripts/test.sh's output, ending with "tests: N passed, N failed". */
  report: string;
  /** junit.xml, test-results.json, coverage/ (Cobertura, lcov, JSON summary), report.txt. */
  files: Directory;
}

// Runs the test command, then copies what it wrote (whatever the outcome: a failing suite
// still leaves its JUnit XML, which is when a reader needs it) and exits with its status.
const TEST_SCRIPT = [
  "mkdir -p /out/coverage",
  "bash scripts/test.sh 2>&1 | tee /out/report.txt",
  "code=${PIPESTATUS[0]}",
  "cp .pipeline/junit.xml .pipeline/test-results.json /out/ 2>/dev/null",
  "cp -r coverage/. /out/coverage/ 2>/dev/null",
  "exit $code",
].join("\n");

/**
 * The test command (scripts/test.sh) in the test machine with the AWS emulator bound as a
 * service; never served from cache. Does not throw when tests fail: the caller decides.
 */
export async function runTests(source: Directory): Promise<TestRun> {
  const moto = projectEmulator(source);
  const ran = everyCall(testMachine(source))
    .withServiceBinding("moto", moto)
    .withEnvVariable("MOTO_ENDPOINT", "http://moto:5000")
    .withEnvVariable("CI", "true")
    .withExec(["bash", "-c", TEST_SCRIPT], { expect: ReturnType.Any });
  const [code, report] = await Promise.all([ran.exitCode(), ran.stdout()]);
  return { passed: code === 0, report, files: ran.directory("/out") };
}

/** The last non-empty line of a report: for the test command, "tests: N passed, N failed". */
export function lastLine(text: string): string {
  return text.trimEnd().split("\n").filter(Boolean).at(-1) ?? "";
}
