import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { runCli, type CliRun } from "../../integration/images/support/cli.js";
import { alpineRootfs, writeOciArchive } from "../../integration/images/support/oci.js";
import { ENV, provisionFromState, type World } from "./platform.js";

/**
 * One `deploy` of a commit, step by step through the core CLI exactly as the Dagger deploy
 * function drives it (dagger/src/composites.ts): build -> scan -> publish (verify-scan,
 * push-images) -> plan (--published) -> apply -> wait-services -> deploy-service for each
 * service whose task definition changes, stopping at the first failure.
 *
 * Two stand-ins, and only two: the build writes each service's image as an OCI archive here
 * (BuildKit runs only inside a Dagger engine, which cannot run on our machines), and after the
 * apply the platform's AWS resources are provisioned from the applied state (support/platform.ts).
 */
export interface Tools {
  registry: string;
  trivy: string;
  trivyCache: string;
}

export interface StepRecord {
  name: string;
  ms: number;
  code: number;
  out: string;
  log: string;
}

export interface DeployRun {
  ok: boolean;
  steps: StepRecord[];
  failed?: StepRecord;
  /** push-images --json */
  published?: { images: { service: string; digest: string; built: string; outcome: string; references: string[] }[] };
}

export interface DeployOptions {
  /** Different on every build of the same commit: builds are not byte-reproducible. */
  buildId: string;
  /** Extra arguments for each deploy-service call. */
  deployArgs?: string[];
  /** Runs between plan and apply (another apply taking the state lock, in the re-run journey). */
  beforeApply?: () => Promise<void>;
}

interface BuildPlan {
  tags: string[];
  targets: { service: string; platforms: string[] }[];
}

export async function deployCommit(world: World, tools: Tools, sha: string, o: DeployOptions): Promise<DeployRun> {
  const work = path.join(world.root, ".pipeline", `${sha.slice(0, 8)}-${o.buildId}`);
  await mkdir(work, { recursive: true });
  const run: DeployRun = { ok: false, steps: [] };
  const cli = (args: string[]) => runCli(args, { cwd: world.root, env: world.vars });
  const step = async (name: string, act: () => Promise<CliRun | CliRun[]>): Promise<boolean> => {
    const started = performance.now();
    const results = [await act()].flat();
    const failed = results.find((r) => r.code !== 0);
    const record = {
      name,
      ms: Math.round(performance.now() - started),
      code: failed?.code ?? 0,
      out: results.map((r) => r.out).join("\n"),
      log: results.map((r) => r.log).join("\n"),
    };
    run.steps.push(record);
    if (failed) run.failed = record;
    return !failed;
  };

  let plan: BuildPlan = { tags: [], targets: [] };
  const archives = new Map<string, string>();
  const built = await step("build", async () => {
    const r = await cli(["build-plan", "--env", ENV, "--commit", sha]);
    plan = JSON.parse(r.out) as BuildPlan;
    for (const t of plan.targets)
      archives.set(t.service, await buildImage(work, t.service, t.platforms, sha, o.buildId));
    return r;
  });
  if (!built) return run;
  const scanned = await step("scan", () =>
    Promise.all(
      plan.targets.map((t) =>
        cli([
          "scan-image",
          "--image",
          scanTarball(archives.get(t.service)!),
          "--artifact",
          `${t.service} ${t.platforms[0]}`,
          "--cache-dir",
          tools.trivyCache,
          "--offline",
          "--trivy",
          tools.trivy,
          "--out-dir",
          path.join(work, "scans", t.service, t.platforms[0]!.replace("/", "-")),
        ]),
      ),
    ),
  );
  if (!scanned) return run;
  const images = plan.targets.flatMap((t) => ["--image", `${t.service}=${archives.get(t.service)!}`]);
  const published = path.join(work, "published.json");
  const pushed = await step("publish", async () => {
    const verify = await cli([
      "verify-scan",
      ...plan.targets.flatMap((t) => ["--image", `${t.service} ${t.platforms[0]}=${archives.get(t.service)!}`]),
      "--attestations",
      path.join(work, "scans"),
    ]);
    if (verify.code !== 0) return verify;
    const push = await cli([
      "push-images",
      "--env",
      ENV,
      "--commit",
      sha,
      ...images,
      "--attestations",
      path.join(work, "scans"),
      "--registry",
      tools.registry,
      "--insecure-registry",
      "--json",
    ]);
    if (push.code === 0) await writeFile(published, push.out);
    return push;
  });
  if (!pushed) return run;
  run.published = JSON.parse(await readFile(published, "utf8")) as DeployRun["published"];
  const planDir = path.join(work, "plan");
  if (
    !(await step("plan", () =>
      cli(["plan", "--env", ENV, "--out", planDir, "--published", published, "--lock-timeout", "0"]),
    ))
  )
    return run;
  await o.beforeApply?.();
  const applied = await step("apply", async () => {
    const r = await cli(["apply", "--env", ENV, "--plan", planDir, "--lock-timeout", "0"]);
    if (r.code === 0) await provisionFromState(world);
    return r;
  });
  if (!applied) return run;
  if (!(await step("wait-services", () => cli(["wait-services", "--env", ENV, "--poll-interval-ms", "200"]))))
    return run;
  for (const image of run.published!.images) {
    const ok = await step(`deploy-service ${image.service}`, () =>
      deployChanged(cli, image.service, image.references[0]!, { ...o, registry: tools.registry }),
    );
    if (!ok) return run;
  }
  run.ok = true;
  return run;
}

const fast = ["--poll-interval-ms", "100", "--health-attempts", "1", "--health-interval-ms", "0"];

/** As the composite: a dry run decides; a service whose task definition would not change is left alone. */
async function deployChanged(
  cli: (a: string[]) => Promise<CliRun>,
  service: string,
  image: string,
  o: DeployOptions & { registry: string },
): Promise<CliRun> {
  const common = [
    "deploy-service",
    "--env",
    ENV,
    "--service",
    service,
    "--image",
    image,
    ...fast,
    // The registry standing in for ECR: pre-flight reads the image and its attestations there.
    "--registry",
    o.registry,
    ...(o.deployArgs ?? []),
  ];
  const preview = await cli([...common, "--dry-run", "--json"]);
  if (preview.code !== 0) return preview;
  if ((JSON.parse(preview.out) as { forcedNewDeployment: boolean }).forcedNewDeployment)
    return { ...preview, out: `unchanged: already runs ${image}` };
  return cli(common);
}

/**
 * The build's stand-in: the service's image for each platform, as one OCI archive. The commit
 * is in the image and so is the build id (a timestamp in a real build), so two builds of one
 * commit have different digests. A digest that happens to spell a marker the emulator reads
 * (bad, hang, unhealthy) is built again with another id, so only a tag can ask for a failure.
 */
async function buildImage(
  work: string,
  service: string,
  platforms: string[],
  sha: string,
  buildId: string,
): Promise<string> {
  const file = path.join(work, `${service}.tar`);
  for (let attempt = 0; ; attempt++) {
    const files = [
      ...alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r29" }]),
      { path: `srv/${service}/build`, content: `${service} ${sha} ${buildId}.${attempt}\n` },
    ];
    const digest = await writeOciArchive(
      file,
      platforms.map((p) => ({ architecture: p === "linux/arm64" ? ("arm64" as const) : ("amd64" as const), files })),
    );
    if (/bad|hang|unhealthy/.test(digest)) continue;
    // What scanImage gets from Dagger (Container.asTarball of one platform), in a form Trivy
    // reads (it opens docker-archive tarballs and OCI layout directories, not OCI archives).
    execFileSync("skopeo", ["copy", "--quiet", `oci-archive:${file}`, `docker-archive:${scanTarball(file)}`]);
    return file;
  }
}

/** The single-platform tarball the scan step reads, beside the service's archive. */
const scanTarball = (archive: string): string => archive.replace(/\.tar$/, ".scan.tar");

/** One line per step with its wall time, for the suite's figures. */
export function timings(run: DeployRun): string {
  return run.steps
    .map((s) => `${s.name.padEnd(28)} ${(s.ms / 1000).toFixed(2).padStart(7)} s  exit ${s.code}`)
    .join("\n");
}
