import { describe, expect, it } from "vitest";
import {
  constructorArgs,
  introspectModule,
  type RegisteredArgument,
  type RegisteredFunction,
} from "../support/introspect.js";
import {
  codeBuildCommands,
  gitHubCommands,
  gitLabCommands,
  kebab,
  parseDaggerCall,
  shellCommands,
  type CiCommand,
  type DaggerCall,
} from "./ci-configs.js";

/**
 * Every `dagger call` in every CI configuration, checked against the functions and
 * arguments the engine would register for the module (read with the SDK's introspector):
 * a renamed function or argument breaks this test, not a pipeline run.
 */

interface Found {
  where: string;
  command: CiCommand;
  call: DaggerCall;
}

function allCalls(): Found[] {
  const commands = [...gitHubCommands(), ...gitLabCommands(), ...codeBuildCommands()];
  return commands.flatMap((command) =>
    shellCommands(command.text)
      // CodeBuild's dispatch: "name) dagger call ..." arms of a case statement.
      .map((words) => (/^[a-z-]+\)$/.test(words[0] ?? "") ? words.slice(1) : words))
      .map((words) => parseDaggerCall(words))
      .filter((call): call is DaggerCall => call !== undefined)
      .map((call) => ({ where: `${command.file} (${command.job}): dagger call ${call.function}`, command, call })),
  );
}

async function functionsByCliName(): Promise<Map<string, RegisteredFunction>> {
  const mod = await introspectModule();
  const fns = mod.objects.EcsPipeline!.functions;
  return new Map(Object.entries(fns).map(([name, fn]) => [kebab(name), fn]));
}

async function constructorByCliName(): Promise<Map<string, RegisteredArgument>> {
  return new Map(Object.entries(await constructorArgs()).map(([name, arg]) => [kebab(name), arg]));
}

/** A call's flags with the arguments they set: the constructor's, then the function's. */
function flagsOf(
  call: DaggerCall,
  ctor: Map<string, RegisteredArgument>,
  fn: RegisteredFunction,
): [string, string, RegisteredArgument | undefined][] {
  const args = new Map(Object.entries(fn.args).map(([name, arg]) => [kebab(name), arg]));
  return [
    ...[...call.constructorFlags].map(([flag, value]): [string, string, RegisteredArgument | undefined] => [
      flag,
      value,
      ctor.get(flag),
    ]),
    ...[...call.flags].map(([flag, value]): [string, string, RegisteredArgument | undefined] => [
      flag,
      value,
      args.get(flag),
    ]),
  ];
}

describe("`dagger call` in the CI configurations", () => {
  const calls = allCalls();

  it("are found in GitHub Actions, GitLab CI and CodeBuild alike", () => {
    const cis = new Set(calls.map((c) => c.command.ci));
    expect([...cis].sort()).toEqual(["codebuild", "github", "gitlab"]);
    const per = (ci: string) => new Set(calls.filter((c) => c.command.ci === ci).map((c) => c.call.function));
    for (const ci of ["github", "gitlab", "codebuild"]) {
      const expected = ["check", "deploy", "detect-drift", "pull-request", "rollback", "status", "verdict"];
      // GitHub also writes the job summary with a call (the others print it in the log).
      if (ci === "github") expected.push("job-summary");
      expect([...per(ci)].sort(), ci).toEqual(expected.sort());
    }
  });

  it("name functions the module registers, chaining after them only what saves or prints the outcome", async () => {
    const fns = await functionsByCliName();
    for (const { where, call } of calls) {
      const fn = fns.get(call.function);
      expect(fn, `${where}: no such function; module has ${[...fns.keys()].join(", ")}`).toBeDefined();
      const chain = call.chain.join(" ");
      // A run: its results saved where the upload steps look, or its text report printed.
      if (fn?.returns === "PipelineRun")
        expect(chain, where).toMatch(/^(report|results export --path \.pipeline\/results)$/);
      else if (fn?.returns === "File") expect(chain, where).toMatch(/^export --path \S+$/);
      else expect(call.chain, where).toEqual([]);
    }
  });

  it("save the results of every run that has tests, scans or a plan, and end that job with its verdict", async () => {
    const fns = await functionsByCliName();
    const jobs = new Map<string, Found[]>();
    for (const found of calls) {
      const key = `${found.command.file} ${found.command.job}`;
      jobs.set(key, [...(jobs.get(key) ?? []), found]);
    }
    let saved = 0;
    expect(fns.get("verdict")?.args.results?.type).toBe("Directory");
    for (const [job, found] of jobs) {
      const runs = found.filter((f) => ["check", "pull-request", "deploy"].includes(f.call.function));
      for (const { where, call } of runs) {
        // Never thrown away by a failure: the results are saved, uploaded, then judged.
        expect(call.flags.get("fail-on-failure"), where).toBe("false");
        expect(call.chain.join(" "), where).toBe("results export --path .pipeline/results");
      }
      saved += runs.length;
      // One verdict per saved run (CodeBuild's dispatch has one per arm), on what was saved.
      const verdicts = found.filter((f) => f.call.function === "verdict").map((v) => v.call.flags.get("results"));
      expect(verdicts, `${job}: verdicts`).toEqual(runs.map(() => ".pipeline/results"));
    }
    expect(saved).toBeGreaterThanOrEqual(9);
  });

  it("pass only arguments the constructor or the function declares, each in its place, and every required one", async () => {
    const fns = await functionsByCliName();
    const ctor = await constructorByCliName();
    for (const { where, call } of calls) {
      const fn = fns.get(call.function);
      if (!fn) continue; // reported by the test above
      const declared = new Map(Object.entries(fn.args).map(([name, arg]) => [kebab(name), arg]));
      for (const flag of call.constructorFlags.keys()) {
        expect(
          ctor.has(flag),
          `${where}: --${flag} before the function is not a constructor argument; it has ${[...ctor.keys()].join(", ")}`,
        ).toBe(true);
      }
      for (const flag of call.flags.keys()) {
        const hint = ctor.has(flag) ? "; it is the constructor's: put it before the function name" : "";
        expect(
          declared.has(flag),
          `${where}: --${flag} is not an argument of ${call.function}${hint}; it has ${[...declared.keys()].join(", ")}`,
        ).toBe(true);
      }
      for (const [flag, arg] of declared) {
        const required = !arg.optional && arg.defaultValue === undefined && arg.defaultPath === undefined;
        if (required) expect(call.flags.has(flag), `${where}: missing required --${flag}`).toBe(true);
      }
    }
  });

  it("pass Secrets only from environment variables the job provides, and plain values only as values", async () => {
    const fns = await functionsByCliName();
    const ctor = await constructorByCliName();
    const { enums } = await introspectModule();
    for (const { where, command, call } of calls) {
      const fn = fns.get(call.function);
      if (!fn) continue;
      for (const [flag, value, arg] of flagsOf(call, ctor, fn)) {
        const type = arg?.type;
        if (type === undefined) continue;
        if (type === "Secret") {
          const match = /^env:([A-Z0-9_]+)$/.exec(value);
          expect(match, `${where}: --${flag} is a Secret and must be env:NAME, got "${value}"`).not.toBeNull();
          expect(
            command.env.has(match![1]!),
            `${where}: --${flag} reads ${match![1]}, which the job does not set`,
          ).toBe(true);
        } else {
          expect(value.startsWith("env:"), `${where}: --${flag} is a ${type}; "env:" would pass the literal text`).toBe(
            false,
          );
          for (const ref of value.matchAll(/\$([A-Z_][A-Z0-9_]*)/g)) {
            expect(command.env.has(ref[1]!), `${where}: --${flag} uses $${ref[1]}, which the job does not set`).toBe(
              true,
            );
          }
          if (type === "boolean") expect(["true", "false"], `${where}: --${flag}`).toContain(value);
          // The CLI matches an enum's member names case-insensitively (cmd/dagger/flags.go enumValue.Set).
          const members = enums[type] ? Object.keys(enums[type]).map((m) => m.toLowerCase()) : undefined;
          if (members) expect(members, `${where}: --${flag} ${value}`).toContain(value.toLowerCase());
          if (type === "integer" && !value.startsWith("$")) expect(value, `${where}: --${flag}`).toMatch(/^\d+$/);
        }
      }
    }
  });
});
