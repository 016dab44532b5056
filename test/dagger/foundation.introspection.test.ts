import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { introspectModule, SOURCE_IGNORE } from "../support/introspect.js";

describe("the Dagger module as the engine would register it", () => {
  it("is named ecs-pipeline, pins the engine to the SDK version it is built with, and documents its object", async () => {
    const mod = await introspectModule();
    const sdkVersion = (
      JSON.parse(readFileSync("dagger/node_modules/@dagger.io/dagger/package.json", "utf8")) as { version: string }
    ).version;
    expect(mod.name).toBe("ecs-pipeline");
    expect(mod.engineVersion).toBe(`v${sdkVersion}`);
    // PipelineRun: what test and the composites return (report, passed, results directory).
    expect(Object.keys(mod.objects)).toEqual(["EcsPipeline", "PipelineRun"]);
    expect(mod.objects.EcsPipeline!.description).toMatch(/CI\/CD pipeline for an ECS Fargate platform/);
  });

  it("registers lint as a cached check over the repository, with the repo root as its default source", async () => {
    const lint = (await introspectModule()).objects.EcsPipeline!.functions.lint!;
    expect(lint).toMatchObject({ cache: null, check: true, returns: "string" });
    expect(lint.description).toMatch(/^Lint everything: ESLint and Prettier/);
    expect(lint.args).toEqual({
      source: {
        description: "The repository to lint (defaults to the repository this module lives in).",
        type: "Directory",
        optional: false,
        defaultValue: undefined,
        defaultPath: "/",
        ignore: SOURCE_IGNORE,
      },
    });
  });

  it("registers test as a never-cached check, so a second run really runs the suite", async () => {
    const test = (await introspectModule()).objects.EcsPipeline!.functions.test!;
    expect(test).toMatchObject({ cache: "never", check: true, returns: "PipelineRun" });
    expect(test.description).toMatch(/^Run the test suite exactly as the README's test command does/);
    expect(test.args).toEqual({
      source: {
        description: "The repository to test (defaults to the repository this module lives in).",
        type: "Directory",
        optional: false,
        defaultValue: undefined,
        defaultPath: "/",
        ignore: SOURCE_IGNORE,
      },
      failOnFailure: {
        description: "Fail when a test fails (default). false: return the run and its results either way.",
        type: "boolean",
        optional: false,
        defaultValue: true,
        defaultPath: undefined,
        ignore: undefined,
      },
    });
  });

  it("returns from test and the composites a run: its report, whether it passed, and its results directory", async () => {
    const run = (await introspectModule()).objects.PipelineRun!;
    expect(run.description).toMatch(/^A run's outcome/);
    expect(Object.fromEntries(Object.entries(run.fields).map(([name, f]) => [name, f.type]))).toEqual({
      report: "string",
      passed: "boolean",
      results: "Directory",
    });
    expect(run.fields.results!.description).toContain("results export --path .pipeline/results");
  });

  it("registers verdict and jobSummary, which read an exported results directory and start no container", async () => {
    const fns = (await introspectModule()).objects.EcsPipeline!.functions;
    expect(fns.verdict).toMatchObject({ cache: null, check: false, returns: "string" });
    expect(fns.verdict!.description).toMatch(/fails when the run failed/);
    expect(fns.jobSummary).toMatchObject({ cache: null, returns: "File" });
    for (const f of [fns.verdict!, fns.jobSummary!]) expect(Object.keys(f.args)).toEqual(["results"]);
  });

  it("registers toolbox as a container to open a shell in when a step needs debugging", async () => {
    const toolbox = (await introspectModule()).objects.EcsPipeline!.functions.toolbox!;
    expect(toolbox).toMatchObject({ cache: null, check: false, returns: "Container" });
    expect(toolbox.description).toContain("dagger call toolbox terminal");
    expect(toolbox.args.source).toMatchObject({ type: "Directory", defaultPath: "/", ignore: SOURCE_IGNORE });
  });

  it("gives every function and every argument a doc comment, because they are `dagger call --help`", async () => {
    const undocumented: string[] = [];
    for (const [objectName, object] of Object.entries((await introspectModule()).objects)) {
      for (const [fnName, fn] of Object.entries(object.functions)) {
        if (!fn.description.trim()) undocumented.push(`${objectName}.${fnName}`);
        for (const [argName, arg] of Object.entries(fn.args)) {
          if (!arg.description.trim()) undocumented.push(`${objectName}.${fnName}(${argName})`);
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe("the Dagger module's boundary", () => {
  it("never imports the core: it runs the core CLI in containers instead", async () => {
    const { readdirSync } = await import("node:fs");
    const offenders = readdirSync("dagger/src")
      .filter((f) => f.endsWith(".ts"))
      .filter((f) => /from\s+["'](\.\.\/)+src\//.test(readFileSync(`dagger/src/${f}`, "utf8")));
    expect(offenders).toEqual([]);
  });
});
