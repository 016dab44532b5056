import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** One linter run: which program, over what, and how to read its verdict. */
export interface LintCheck {
  tool: string;
  /** What the check covers, for the report. */
  scope: string;
  program: string;
  args: string[];
  /** What to run when the program is missing. */
  install: string;
}

/**
 * The checks `lint` runs over a repository, in report order. Paths that do not exist in the
 * repository are left out of a check's arguments rather than failing it.
 */
export function lintChecks(root: string, binDir = path.join(root, "node_modules", ".bin")): LintCheck[] {
  const bin = (name: string) => path.join(binDir, name);
  const npm = "npm ci";
  const toolchain = "scripts/install-toolchain.sh";
  const tsProjects = ["tsconfig.json", "dagger/tsconfig.json"].filter((p) => existsSync(path.join(root, p)));
  const checks: LintCheck[] = [
    {
      tool: "eslint",
      scope: "src/ dagger/ test/ scripts/",
      program: bin("eslint"),
      args: ["--max-warnings=0", "."],
      install: npm,
    },
    {
      tool: "prettier",
      scope: "TypeScript, JSON and YAML sources",
      program: bin("prettier"),
      args: ["--check", "."],
      install: npm,
    },
    ...tsProjects.map((p) => ({
      tool: "tsc",
      scope: p,
      program: bin("tsc"),
      args: ["--noEmit", "-p", p],
      install: npm,
    })),
  ];
  if (existsSync(path.join(root, "terraform"))) {
    checks.push({
      tool: "tofu fmt",
      scope: "terraform/",
      program: "tofu",
      args: ["fmt", "-check", "-recursive", "-diff", "terraform"],
      install: toolchain,
    });
  }
  const workflowDir = path.join(root, ".github", "workflows");
  // Named explicitly: with no arguments actionlint lints the nearest git repository's workflows.
  const workflows = existsSync(workflowDir)
    ? readdirSync(workflowDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(".github", "workflows", f))
    : [];
  if (workflows.length > 0) {
    checks.push({
      tool: "actionlint",
      scope: ".github/workflows/",
      program: "actionlint",
      args: ["-no-color", ...workflows],
      install: toolchain,
    });
  }
  return checks;
}
