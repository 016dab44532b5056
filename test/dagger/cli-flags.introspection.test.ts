import { describe, expect, it } from "vitest";
import { introspectModule, kebab, type RegisteredArgument } from "../support/introspect.js";

/**
 * No argument may be named like a flag the Dagger CLI defines itself. `dagger call` registers
 * each argument as a flag on a command that already carries the CLI's own flags, and pflag
 * refuses the duplicate at parse time: `--help` still lists the argument, but every real call
 * fails with "flag already exists: json" (issue 10: deployService's `json` argument). The
 * introspector registers such an argument happily, so only a check against the CLI's list
 * catches it offline.
 *
 * The list is the Dagger CLI's own, read from github.com/dagger/dagger at tag v0.21.8 (the
 * newest v0.21.x in our mirror; the engine pin is v0.21.9, a patch release):
 * - cmd/dagger/main.go installGlobalFlags(): the root command's persistent flags, inherited by
 *   every subcommand, plus the persistent `-h, --help` (main.go init());
 * - cmd/dagger/functions.go FuncCommand.Command(): `-o, --output` and `-j, --json` on `call`;
 * - cmd/dagger/module.go moduleAddFlags(): `-m, --mod`, `-M, --no-mod`, `--allow-llm`,
 *   `--eager-runtime` on `call` (persistent) and on the root command;
 * - cmd/dagger/shell.go shellAddFlags(): `-c, --command` and `--model` on the root command
 *   (`dagger -c '...'` runs the same functions).
 * Constructor arguments are parsed on `call` itself (functions.go addFlagsForFunction on the
 * constructor), function arguments on each function's subcommand after the parent's flags
 * are merged in: both meet every flag above.
 */
const DAGGER_FLAGS: { name: string; short?: string; source: string }[] = [
  { name: "workdir", source: "main.go installGlobalFlags" },
  { name: "verbose", short: "v", source: "main.go installGlobalFlags" },
  { name: "quiet", short: "q", source: "main.go installGlobalFlags" },
  { name: "silent", short: "s", source: "main.go installGlobalFlags" },
  { name: "debug", short: "d", source: "main.go installGlobalFlags" },
  { name: "progress", source: "main.go installGlobalFlags" },
  { name: "lock", source: "main.go installGlobalFlags" },
  { name: "interactive", short: "i", source: "main.go installGlobalFlags" },
  { name: "interactive-command", source: "main.go installGlobalFlags" },
  { name: "web", short: "w", source: "main.go installGlobalFlags" },
  { name: "no-exit", short: "E", source: "main.go installGlobalFlags" },
  { name: "auto-apply", short: "y", source: "main.go installGlobalFlags" },
  { name: "x-release", source: "main.go installGlobalFlags" },
  { name: "dot-output", source: "main.go installGlobalFlags" },
  { name: "dot-focus-field", source: "main.go installGlobalFlags" },
  { name: "dot-show-internal", source: "main.go installGlobalFlags" },
  { name: "cloud", source: "main.go installGlobalFlags (hidden)" },
  { name: "scale-out", source: "main.go installGlobalFlags (hidden)" },
  { name: "help", short: "h", source: "main.go init" },
  { name: "output", short: "o", source: "functions.go FuncCommand.Command" },
  { name: "json", short: "j", source: "functions.go FuncCommand.Command" },
  { name: "mod", short: "m", source: "module.go moduleAddFlags" },
  { name: "no-mod", short: "M", source: "module.go moduleAddFlags" },
  { name: "allow-llm", source: "module.go moduleAddFlags" },
  { name: "eager-runtime", source: "module.go moduleAddFlags" },
  { name: "command", short: "c", source: "shell.go shellAddFlags" },
  { name: "model", source: "shell.go shellAddFlags" },
];

/**
 * `--env` is the special case. v0.21.x defines no `--env` (none of the files above), so the
 * module's `env` arguments are free. Dagger's next line does: v1.0.0-beta's
 * internal/cmd/dagger/main.go installGlobalFlags() adds a global `--env` (workspace env
 * overlay), which would take every function's `env` argument down as `json` took
 * deployService. The module is pinned to v0.21.x below; bumping the pin past it must come
 * with renaming `env`, and this test says so.
 */
const NEXT_LINE_FLAGS = ["env", "workspace"];

/** The CLI flags an argument's name would collide with, as `--name` / `-x`. */
function collisions(args: Record<string, unknown>, flags = DAGGER_FLAGS): string[] {
  const found: string[] = [];
  for (const arg of Object.keys(args)) {
    const cli = kebab(arg);
    for (const f of flags) {
      if (cli === f.name) found.push(`--${f.name} (${f.source})`);
      // A one-letter argument becomes `--x`, which pflag keeps apart from `-x`; it still reads as
      // the CLI's short flag to anyone typing it, so it is refused too.
      if (f.short !== undefined && arg === f.short) found.push(`-${f.short} (${f.source})`);
    }
  }
  return found;
}

async function everyArgumentList(): Promise<[string, Record<string, RegisteredArgument>][]> {
  const mod = await introspectModule();
  return Object.entries(mod.objects).flatMap(([objectName, o]) => [
    [`${objectName} constructor`, o.constructorArgs] as [string, Record<string, RegisteredArgument>],
    ...Object.entries(o.functions).map(
      ([fn, f]) => [`${objectName}.${fn}`, f.args] as [string, Record<string, RegisteredArgument>],
    ),
  ]);
}

describe("the module's arguments and the Dagger CLI's own flags", () => {
  it("recognises the collision that broke deployService, and the short and kebab-case forms", () => {
    expect(collisions({ json: false })).toEqual(["--json (functions.go FuncCommand.Command)"]);
    expect(collisions({ o: "" })).toEqual(["-o (functions.go FuncCommand.Command)"]);
    expect(collisions({ noExit: true, interactiveCommand: "" })).toHaveLength(2);
    expect(collisions({ format: "text", jsonFile: "", env: "dev" })).toEqual([]);
  });

  it("never name an argument, of any function or of the constructor, like a flag of `dagger` or `dagger call`", async () => {
    const lists = await everyArgumentList();
    expect(lists.length).toBeGreaterThan(10);
    for (const [where, args] of lists) expect(collisions(args), where).toEqual([]);
  });

  it("keep `env` only while the engine pin stays on v0.21.x, which has no global --env", async () => {
    const mod = await introspectModule();
    const usesNextLineNames = (await everyArgumentList()).some(
      ([, args]) =>
        collisions(
          args,
          NEXT_LINE_FLAGS.map((name) => ({ name, source: "v1.0 main.go" })),
        ).length > 0,
    );
    expect(usesNextLineNames).toBe(true);
    expect(
      mod.engineVersion,
      "Dagger v1.0's CLI defines a global --env: rename the module's `env` arguments before bumping the pin",
    ).toMatch(/^v0\.21\.\d+$/);
  });
});
