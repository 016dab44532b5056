/**
 * The composite step runner: ordered stages, each one step or a group of steps run in
 * parallel; the first failure stops the run (later stages are reported as skipped, except
 * steps marked `always`); one summary at the end.
 *
 * It orchestrates Dagger function calls, so it lives in the module; it imports nothing, so
 * test/unit/pipeline/ exercises it directly, without an engine.
 */

/**
 * One unit of work. When `run` resolves to a string, its first line (cut to 100 characters)
 * is the step's detail in the summary ("3 images"); anything else is ignored.
 */
export interface Step {
  name: string;
  run: () => Promise<unknown>;
  /** Runs even after an earlier failure (say, posting the check results); its own failure still fails the run. */
  always?: boolean;
}

/** Steps started together; the group waits for all of them, then fails if any failed. */
export interface ParallelStage {
  name: string;
  parallel: Step[];
}

/**
 * Stages known only once the earlier ones ran (say, one deploy per service whose image
 * changed). `expand` is called when the run reaches it; an error there fails the stage.
 */
export interface DeferredStage {
  name: string;
  expand: () => Stage[] | Promise<Stage[]>;
}

export type Stage = Step | ParallelStage | DeferredStage;

export type StepStatus = "passed" | "failed" | "skipped";

export interface StepResult {
  name: string;
  status: StepStatus;
  durationMs: number;
  /** What a passed step reported, or why a step was skipped. */
  detail?: string;
  /** The failure's message, for a failed step. */
  error?: string;
}

export interface PipelineResult {
  pipeline: string;
  ok: boolean;
  /** Name of the first step that failed; absent when ok. */
  failedStep?: string;
  durationMs: number;
  steps: StepResult[];
}

export type PipelineEvent = { type: "step-started"; step: string } | { type: "step-finished"; result: StepResult };

export interface RunStepsOptions {
  /** Names the run in the summary, e.g. "deploy dev". */
  pipeline: string;
  stages: Stage[];
  /** Progress, as it happens. The runner itself never prints. */
  onEvent?: (event: PipelineEvent) => void;
  /** Clock in milliseconds, for tests. */
  now?: () => number;
}

/** Runs the stages in order and stops at the first failure. Never throws for a step's failure. */
export async function runSteps(options: RunStepsOptions): Promise<PipelineResult> {
  const run = new Run(options.now ?? Date.now, options.onEvent ?? (() => undefined));
  const started = run.now();
  for (const stage of options.stages) await run.visit(stage);
  return {
    pipeline: options.pipeline,
    ok: run.failedStep === undefined,
    ...(run.failedStep === undefined ? {} : { failedStep: run.failedStep }),
    durationMs: run.now() - started,
    steps: run.steps,
  };
}

/** The state of one run: the results so far and the first failure. */
class Run {
  readonly steps: StepResult[] = [];
  failedStep: string | undefined;

  constructor(
    readonly now: () => number,
    private readonly emit: (event: PipelineEvent) => void,
  ) {}

  async visit(stage: Stage): Promise<void> {
    if (this.failedStep !== undefined && !("run" in stage && stage.always)) return this.skip(stage);
    if ("parallel" in stage) {
      const results = await Promise.all(stage.parallel.map((s) => this.runStep(s)));
      this.steps.push(...results);
      this.failedStep = results.find((r) => r.status === "failed")?.name;
    } else if ("expand" in stage) {
      const expanded = await this.expand(stage);
      for (const inner of expanded) await this.visit(inner);
    } else {
      const result = await this.runStep(stage);
      this.steps.push(result);
      if (result.status === "failed") this.failedStep ??= result.name;
    }
  }

  private async runStep(step: Step): Promise<StepResult> {
    this.emit({ type: "step-started", step: step.name });
    const t0 = this.now();
    let result: StepResult;
    try {
      const detail = detailOf(await step.run());
      result = { name: step.name, status: "passed", durationMs: this.now() - t0, ...(detail ? { detail } : {}) };
    } catch (err) {
      result = { name: step.name, status: "failed", durationMs: this.now() - t0, error: errorText(err) };
    }
    this.emit({ type: "step-finished", result });
    return result;
  }

  /** The deferred stage's stages; when expanding fails, that is the stage's failure. */
  private async expand(stage: DeferredStage): Promise<Stage[]> {
    try {
      return await stage.expand();
    } catch (err) {
      this.record({ name: stage.name, status: "failed", durationMs: 0, error: errorText(err) });
      this.failedStep = stage.name;
      return [];
    }
  }

  private skip(stage: Stage): void {
    for (const name of stepNames(stage)) {
      this.record({ name, status: "skipped", durationMs: 0, detail: `after ${this.failedStep} failed` });
    }
  }

  private record(result: StepResult): void {
    this.steps.push(result);
    this.emit({ type: "step-finished", result });
  }
}

function stepNames(stage: Stage): string[] {
  if ("parallel" in stage) return stage.parallel.map((s) => s.name);
  return [stage.name];
}

function detailOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const line = value.trim().split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 99)}…` : line || undefined;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/**
 * Lines that say why a command failed, in the words of the tools we run: the core CLI's
 * `Error:`/`Hint:` and verdict lines (validate-terraform's and detect-drift's are on stdout),
 * tofu's `Error:`, apt's `E:`, npm's `npm ERR!`, vitest's `FAIL`/`×`, Trivy's severities.
 */
const DECISIVE =
  /\b(error|errors|failed|failure|fail|fatal|denied|refused|refuses|invalid|not found|unable|cannot|drift|findings?|hint|expected|timed? out)\b|^\s*(E:|npm ERR!|×|✗|FAIL\b)|\b(CRITICAL|HIGH)\b/i;

/** How many lines of a failed command's output the summary keeps, both streams together. */
const FAILURE_LINES = 12;
/** The last lines of a stream are kept whatever they say: a tool's verdict usually ends it. */
const TAIL_LINES = 3;

/**
 * A failed command's stdout and stderr cut to the lines that decide: every decisive line and
 * the last few of each stream, in their order, at most FAILURE_LINES in all (the latest win).
 * Either stream can carry the cause: the core CLI writes errors to stderr but
 * validate-terraform's and detect-drift's verdicts to stdout.
 */
export function failureExcerpt(output: { stdout: string; stderr: string }): string[] {
  const streams = (["stdout", "stderr"] as const)
    .map((name) => ({ name, lines: decisive(output[name]) }))
    .filter((s) => s.lines.length > 0);
  // Half the lines each; a stream that needs fewer leaves the rest to the other.
  const [first, second] = streams.map((s) => s.lines.length);
  const keepFirst = Math.min(first ?? 0, Math.max(FAILURE_LINES / 2, FAILURE_LINES - (second ?? 0)));
  const keep = [keepFirst, FAILURE_LINES - keepFirst];
  return streams.flatMap((s, i) => {
    const kept = s.lines.slice(s.lines.length - keep[i]!);
    const cut = s.lines.length - kept.length;
    return [`${s.name}:${cut > 0 ? ` (${cut} earlier lines left out)` : ""}`, ...kept.map((l) => `  ${l}`)];
  });
}

function decisive(text: string): string[] {
  const lines = text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  return lines.filter((line, i) => i >= lines.length - TAIL_LINES || DECISIVE.test(line));
}

/** Longest error excerpt the summary shows per step; the full text stays in the step's log. */
const MAX_ERROR_LINES = 15;

/** "1m 05s", "4.2s", "120ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const minutes = Math.floor(total / 60);
  return `${minutes}m ${String(total % 60).padStart(2, "0")}s`;
}

function excerpt(error: string): string[] {
  const lines = error.trimEnd().split("\n");
  if (lines.length <= MAX_ERROR_LINES) return lines;
  return [...lines.slice(0, MAX_ERROR_LINES), `... (${lines.length - MAX_ERROR_LINES} more lines in the step's log)`];
}

const MARKS: Record<StepStatus, string> = { passed: "ok", failed: "FAILED", skipped: "skipped" };

/** One summary a person reads at the end of a run: the outcome, then one line per step. */
export function formatSummary(result: PipelineResult): string {
  const outcome = result.ok ? "passed" : `FAILED at ${result.failedStep}`;
  const width = Math.max(...result.steps.map((s) => s.name.length), 4);
  const lines = [`${result.pipeline}: ${outcome} in ${formatDuration(result.durationMs)}`];
  for (const step of result.steps) {
    const time = step.status === "skipped" ? "" : formatDuration(step.durationMs);
    const note = step.status === "failed" ? "" : (step.detail ?? "");
    lines.push(`  ${MARKS[step.status].padEnd(7)} ${step.name.padEnd(width)}  ${time.padEnd(7)} ${note}`.trimEnd());
  }
  const failed = result.steps.filter((s) => s.status === "failed");
  for (const step of failed) {
    lines.push("", `${step.name} failed:`, ...excerpt(step.error ?? "").map((l) => `  ${l}`));
  }
  return lines.join("\n");
}
