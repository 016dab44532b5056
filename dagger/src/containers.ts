/**
 * The containers every function runs in. The module decides where and with what; the core
 * CLI (src/, run as `node dist/cli/main.js <verb>`) decides what. Images are pinned to exact
 * versions; bump them together with scripts/install-toolchain.sh, which pins the same
 * versions for the host.
 */
import { CacheSharingMode, dag, type Container, type Directory, type File } from "@dagger.io/dagger";

export const NODE_IMAGE = "node:20.20.2-bookworm";
export const GO_IMAGE = "golang:1.26.8-bookworm";
export const PYTHON_IMAGE = "python:3.12.12-slim-bookworm";
export const TOFU_IMAGE = "ghcr.io/opentofu/opentofu:1.12.6";
export const ACTIONLINT_IMAGE = "rhysd/actionlint:1.7.12";
export const MOTO_VERSION = "5.2.1";

/**
 * What a checkout never needs to send to the engine: every `source` argument's `ignore`. The
 * SDK's introspector resolves this constant (test/dagger checks what it registers).
 */
export const SOURCE_IGNORE = [
  "**/node_modules",
  ".git",
  "dist",
  "coverage",
  "dagger/sdk",
  "**/.terraform",
  "**/*.tfplan",
  ".pipeline",
];

/**
 * Node with the repository's dependencies installed. npm's cache volume holds only
 * content-addressed tarballs that npm verifies on every read, so it stays valid whatever
 * container mounts it.
 */
export function nodeWorkspace(source: Directory): Container {
  return dag
    .container()
    .from(NODE_IMAGE)
    .withMountedCache("/root/.npm", dag.cacheVolume("ecs-pipeline-npm"))
    .withWorkdir("/repo")
    .withDirectory("/repo", source)
    .withExec(npmCi(".", "node_modules/.bin/tsx"))
    .withExec(npmCi("dagger", "dagger/node_modules/.bin/tsc"));
}

/**
 * `npm ci` and proof that it installed: npm can exit 0 after "Exit handler never called!"
 * with node_modules half written, and the failure then surfaces steps later as `fork/exec
 * node_modules/.bin/tsx: no such file or directory`. Fail here instead, saying so.
 */
export function npmCi(prefix: string, proof: string): string[] {
  const where = prefix === "." ? "" : ` --prefix ${prefix}`;
  const missing = `npm ci${where} exited 0 but ${proof} is missing: the install did not complete (as after "Exit handler never called!"); run it again`;
  // Single-quoted for sh below: the message must hold no single quote.
  return [
    "sh",
    "-c",
    `npm ci --no-audit --no-fund${where} && if [ ! -x ${proof} ]; then echo '${missing}' >&2; exit 1; fi`,
  ];
}

/** Debian packages from the base image's own release (bookworm), so the image pin pins them too. */
export function withDebianPackages(container: Container, packages: string[]): Container {
  const install = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages.join(" ")}`;
  return container.withExec(["sh", "-c", `${install} && rm -rf /var/lib/apt/lists/*`]);
}

/** The pinned OpenTofu binary, taken from its official image. */
export function tofuBinary(): File {
  return dag.container().from(TOFU_IMAGE).file("/usr/local/bin/tofu");
}

/** The workspace plus the linters that are not npm packages: tofu, actionlint, shellcheck. */
export function lintToolbox(source: Directory): Container {
  return withDebianPackages(nodeWorkspace(source), ["shellcheck"])
    .withFile("/usr/local/bin/tofu", tofuBinary())
    .withFile("/usr/local/bin/actionlint", dag.container().from(ACTIONLINT_IMAGE).file("/usr/local/bin/actionlint"));
}

/** The core CLI's argv prefix in coreToolbox: `[...CORE_CLI, "<verb>", ...]`. */
export const CORE_CLI = ["node", "dist/cli/main.js"];

/** The workspace with the core built, ready to run `[...CORE_CLI, "<verb>", ...]`. */
export function coreToolbox(source: Directory): Container {
  return nodeWorkspace(source).withExec(["npm", "run", "build"]);
}

/**
 * The machine the test suite expects: Go (the toolchain installer builds tofu, trivy, tflint
 * and actionlint from the Go module proxy), Node and Python, with the installer's output and
 * Go's module cache kept in cache volumes so only the first run pays for the builds.
 *
 * Each run is a fresh image around volumes that outlive it. Go's caches are content-addressed
 * and checked against go.sum; the toolchain volume is only trusted as far as the installer
 * finds the files it vouches for, and apt is asked, not a stamp (scripts/install-toolchain.sh).
 * The installer is not safe against a second copy of itself in the same directory, so two
 * `test` calls at once take turns on that volume (LOCKED) instead of corrupting it.
 */
export function testMachine(source: Directory): Container {
  return nodeWorkspace(source)
    .withDirectory("/usr/local/go", dag.container().from(GO_IMAGE).directory("/usr/local/go"))
    .withEnvVariable("PATH", "/usr/local/go/bin:/root/go/bin:${PATH}", { expand: true })
    .withMountedCache("/root/go/pkg/mod", dag.cacheVolume("ecs-pipeline-gomod"))
    .withMountedCache("/root/.cache/go-build", dag.cacheVolume("ecs-pipeline-gobuild"))
    .withMountedCache("/root/.cache/ecs-pipeline-toolchain", dag.cacheVolume("ecs-pipeline-toolchain-v1"), {
      sharing: CacheSharingMode.Locked,
    });
}

/**
 * The AWS emulator as a service: moto's real HTTP server, run by the same script the suite
 * starts on a laptop (emulator/server.py), so the ECS rollout simulation is identical. The
 * whole folder is copied: server.py imports its siblings (sts_expiry.py, recorder.py).
 */
export function motoService(source: Directory): Container {
  return dag
    .container()
    .from(PYTHON_IMAGE)
    .withMountedCache("/root/.cache/pip", dag.cacheVolume("ecs-pipeline-pip"))
    .withExec(["pip", "install", "--quiet", `moto[server]==${MOTO_VERSION}`])
    .withDirectory("/srv/emulator", source.directory("emulator"))
    .withExposedPort(5000);
}

/**
 * Steps that read or change the outside world must run every time, even when their inputs
 * are unchanged: `cache: "never"` on a function does not stop its execs hitting the layer
 * cache, so such execs get an input that changes on every call.
 */
export function everyCall(container: Container): Container {
  return container.withEnvVariable("ECS_PIPELINE_CALL", `${Date.now()}-${Math.random().toString(36).slice(2)}`);
}
