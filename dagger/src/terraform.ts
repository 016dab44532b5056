/**
 * The infrastructure half of the pipeline: the containers validateTerraform, plan and apply
 * run in. The core CLI (validate-terraform, plan, apply) decides what; this file decides
 * where and with what: pinned tofu, tflint with the AWS ruleset, Trivy and checkov, the
 * provider plugin cache, and credentials as Secrets only.
 */
import { CacheSharingMode, dag, ReturnType, type Container, type Directory, type File } from "@dagger.io/dagger";
import { CORE_CLI, coreToolbox, everyCall, GO_IMAGE, tofuBinary, withDebianPackages } from "./containers.js";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { TRIVY_IMAGE } from "./images.js";

// Same versions as scripts/install-toolchain.sh; bump them together.
export const TFLINT_VERSION = "v0.64.0";
export const TFLINT_AWS_VERSION = "v0.48.0";
export const CHECKOV_VERSION = "3.3.30";

const PLUGIN_CACHE = "/root/.cache/tofu-plugins";

/**
 * The core with tofu, and a cache volume for downloaded providers so each plan or validate
 * does not fetch the AWS provider again. tofu checks every cached provider against the lock
 * file's checksums, so the volume stays valid in a new container; but two inits unpacking the
 * same provider into one cache race (hashicorp/terraform#31964), and pullRequest plans while
 * validateTerraform inits: each concurrent user gets its own copy (PRIVATE).
 */
export function tofuToolbox(source: Directory): Container {
  return coreToolbox(source)
    .withFile("/usr/local/bin/tofu", tofuBinary())
    .withMountedCache(PLUGIN_CACHE, dag.cacheVolume("ecs-pipeline-tofu-plugins"), {
      sharing: CacheSharingMode.Private,
    })
    .withEnvVariable("TF_PLUGIN_CACHE_DIR", PLUGIN_CACHE)
    .withEnvVariable("TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE", "false");
}

/**
 * A Go tool built the way scripts/install-toolchain.sh builds it: download exactly this
 * module version through the proxy (`go mod download`, one .info/.zip fetch) and build the
 * command inside it with its own go.mod. `go install pkg@version` needs the proxy's version
 * list as well, which restricted module proxies refuse.
 */
function goTool(module: string, version: string, pkgDir: string, binary: string): File {
  return dag
    .container()
    .from(GO_IMAGE)
    .withMountedCache("/go/pkg/mod", dag.cacheVolume("ecs-pipeline-gomod"))
    .withMountedCache("/root/.cache/go-build", dag.cacheVolume("ecs-pipeline-gobuild"))
    .withEnvVariable("CGO_ENABLED", "0")
    .withEnvVariable("GOFLAGS", "-buildvcs=false")
    .withExec(["sh", "-c", goBuildScript(module, version, pkgDir, `/out/${binary}`, "/work")])
    .file(`/out/${binary}`);
}

/** The shell script goTool runs (test/integration/toolchain runs it with the real Go). */
export function goBuildScript(module: string, version: string, pkgDir: string, out: string, work: string): string {
  return [
    "set -eu",
    `dir=$(cd /tmp && go mod download -json ${module}@${version} | sed -n 's/^[[:space:]]*"Dir": "\\(.*\\)",$/\\1/p')`,
    `[ -n "$dir" ] || { echo "go mod download ${module}@${version} returned no directory" >&2; exit 1; }`,
    `mkdir -p ${work} "$(dirname ${out})" && cp -r "$dir/." ${work} && chmod -R u+w ${work}`,
    `cd ${work} && go build -trimpath -ldflags "-s -w" -o ${out} ./${pkgDir}`,
  ].join("\n");
}

/** tofuToolbox plus tflint with the AWS ruleset (never `tflint --init`), Trivy and checkov. */
export function validateToolbox(source: Directory): Container {
  const tflint = goTool("github.com/terraform-linters/tflint", TFLINT_VERSION, ".", "tflint");
  const ruleset = goTool(
    "github.com/terraform-linters/tflint-ruleset-aws",
    TFLINT_AWS_VERSION,
    ".",
    "tflint-ruleset-aws",
  );
  const tools = tofuToolbox(source)
    .withFile("/usr/local/bin/tflint", tflint)
    .withFile("/root/.tflint.d/plugins/tflint-ruleset-aws", ruleset)
    .withFile("/usr/local/bin/trivy", dag.container().from(TRIVY_IMAGE).file("/usr/local/bin/trivy"))
    .withMountedCache("/root/.cache/pip", dag.cacheVolume("ecs-pipeline-pip"));
  return withDebianPackages(tools, ["python3-venv"])
    .withExec(["python3", "-m", "venv", "/opt/checkov"])
    .withExec(["/opt/checkov/bin/pip", "install", "--quiet", `checkov==${CHECKOV_VERSION}`])
    .withExec(["ln", "-s", "/opt/checkov/bin/checkov", "/usr/local/bin/checkov"]);
}

export interface ValidateArgs {
  severity: string;
  skip: string[];
  failOnFindings: boolean;
  dir: string;
  roots: string[];
}

/**
 * Runs validate-terraform and returns report.txt, findings.json and terraform.sarif. With
 * failOnFindings the exec fails when the gate fails (CI sees it); without, the reports come
 * back whatever was found, for code-scanning upload.
 */
export function validateReports(source: Directory, o: ValidateArgs): Directory {
  const args = [...CORE_CLI, "validate-terraform", "--dir", o.dir, "--severity", o.severity];
  args.push("--sarif", "/out/terraform.sarif", "--json-file", "/out/findings.json");
  for (const tool of o.skip) args.push("--skip", tool);
  for (const root of o.roots) args.push("--root", root);
  // The report is kept in the directory and printed; the exit code is the CLI's.
  const script = `mkdir -p /out && ${args.map(shellQuote).join(" ")} > /out/report.txt; code=$?; cat /out/report.txt; exit $code`;
  return validateToolbox(source)
    .withExec(["sh", "-c", script], { expect: o.failOnFindings ? ReturnType.Success : ReturnType.Any })
    .directory("/out");
}

export interface PlanArgs {
  env: string;
  lockTimeout: number;
  identity: BaseIdentity;
  /** publish's JSON (push-images --json): the images of services Terraform has not registered yet (the first apply). */
  published?: string;
}

/** Runs the core's plan in a fresh call (never served from cache) and returns the plan directory. */
export async function planDirectory(source: Directory, o: PlanArgs): Promise<Directory> {
  let step = withAwsIdentity(everyCall(tofuToolbox(source)), o.identity);
  const args = [...CORE_CLI, "plan", "--env", o.env, "--out", "/out/plan", "--lock-timeout", String(o.lockTimeout)];
  if (o.published) {
    step = step.withNewFile("/in/published.json", o.published);
    args.push("--published", "/in/published.json");
  }
  return step.withExec(args).directory("/out/plan");
}

export interface ApplyArgs {
  env: string;
  plan: Directory;
  confirm: string;
  dryRun: boolean;
  lockTimeout: number;
  identity: BaseIdentity;
}

/** Runs the core's apply of exactly the given plan directory; returns its report. */
export async function applyPlan(source: Directory, o: ApplyArgs): Promise<string> {
  const args = [...CORE_CLI, "apply", "--env", o.env, "--plan", "/in/plan", "--lock-timeout", String(o.lockTimeout)];
  if (o.confirm) args.push("--confirm", o.confirm);
  if (o.dryRun) args.push("--dry-run");
  const step = withAwsIdentity(everyCall(tofuToolbox(source)), o.identity);
  return step.withDirectory("/in/plan", o.plan).withExec(args).stdout();
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
