// The Dagger module: entry points only, each a few lines. Containers live in containers.ts.
import { argument, check, func, object, type Container, type Directory } from "@dagger.io/dagger";
import { everyCall, lintToolbox, motoService, testMachine } from "./containers.js";

/**
 * A CI/CD pipeline for an ECS Fargate platform: lint, test, Terraform, images, deploys and
 * rollbacks, the same on a laptop (`dagger call ...`) and in any CI.
 *
 * Every function runs the project's core CLI (src/) in pinned containers; the environment
 * (dev, staging, prod, local) is always a function argument, read from environments/<env>.json.
 */
@object()
export class EcsPipeline {
  /**
   * Lint everything: ESLint and Prettier over the TypeScript, tsc for the core and the module,
   * tofu fmt over terraform/, actionlint over the workflows. Reports every finding grouped by
   * tool and fails when there is any.
   */
  @func()
  @check()
  async lint(
    /** The repository to lint (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: [
        "**/node_modules",
        ".git",
        "dist",
        "coverage",
        "dagger/sdk",
        "**/.terraform",
        "**/*.tfplan",
        ".pipeline",
      ],
    })
    source: Directory,
  ): Promise<string> {
    return lintToolbox(source).withExec(["node_modules/.bin/tsx", "src/cli/main.ts", "lint"]).stdout();
  }

  /**
   * The container lint runs in: the repository with its npm dependencies, tofu, actionlint and
   * shellcheck. Open a shell in it with `dagger call toolbox terminal`.
   */
  @func()
  toolbox(
    /** The repository to mount at /repo (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: ["**/node_modules", ".git", "dist", "coverage", "dagger/sdk", "**/.terraform", "**/*.tfplan", ".pipeline"],
    })
    source: Directory,
  ): Container {
    return lintToolbox(source);
  }

  /**
   * Run the test suite exactly as the README's test command does (scripts/test.sh), with the
   * AWS emulator bound as a service, and return the summary with coverage.
   */
  @func({ cache: "never" })
  @check()
  async test(
    /** The repository to test (defaults to the repository this module lives in). */
    @argument({
      defaultPath: "/",
      ignore: [
        "**/node_modules",
        ".git",
        "dist",
        "coverage",
        "dagger/sdk",
        "**/.terraform",
        "**/*.tfplan",
        ".pipeline",
      ],
    })
    source: Directory,
  ): Promise<string> {
    const moto = motoService(source).asService({
      args: ["python", "/srv/moto_server.py", "--host", "0.0.0.0", "--port", "5000"],
    });
    return everyCall(testMachine(source))
      .withServiceBinding("moto", moto)
      .withEnvVariable("MOTO_ENDPOINT", "http://moto:5000")
      .withEnvVariable("CI", "true")
      .withExec(["bash", "scripts/test.sh"])
      .stdout();
  }
}
