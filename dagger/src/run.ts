// The object test and the composite functions return. Its own file: decorators compile only
// in the module's build, and the composites (which the core's tests import) need none.
import { func, object, type Directory } from "@dagger.io/dagger";
import type { RunOutcome } from "./results.js";

/** A run's outcome: the text report, whether it passed, and its results directory. */
@object()
export class PipelineRun {
  /** The text report: one line per step, then each failure with the end of its output. */
  @func()
  report: string;

  /** True when every step passed. */
  @func()
  passed: boolean;

  /**
   * run.json (the run record), summary.md (the job summary), checks.md, sarif/*.sarif,
   * test/junit.xml and test/coverage/ (cobertura-coverage.xml, lcov.info) when tests ran,
   * terraform/, plan/meta.json, scans/, publish.json and deploys/ when those steps ran.
   * Save it with `... results export --path .pipeline/results`.
   */
  @func()
  results: Directory;

  constructor(report: string, passed: boolean, results: Directory) {
    this.report = report;
    this.passed = passed;
    this.results = results;
  }
}

/** The composites' outcome as the object the engine returns. */
export function pipelineRun(outcome: RunOutcome): PipelineRun {
  return new PipelineRun(outcome.report, outcome.passed, outcome.results);
}
