/**
 * The image half of the pipeline: build every service for every platform, scan a build with
 * Trivy before it ships, publish to ECR, promote by digest. The module only decides where
 * and with what (contexts, platforms, Trivy's container, secrets); the core CLI decides what
 * (build-plan, scan-gate, verify-scan, push-images, promote), as everywhere else.
 */
import { dag, ReturnType, type Container, type Directory, type File, type Platform } from "@dagger.io/dagger";
import { withAwsIdentity, type BaseIdentity } from "./aws.js";
import { promoter } from "./promotion.js";
import { CORE_CLI, coreToolbox, everyCall } from "./containers.js";

// Pinned by digest (toolchain.md: the Trivy images were the target of a supply-chain attack in
// March 2026). This digest for aquasec/trivy:0.74.0 is the one several public repositories pin
// (found by code search); it was not pulled here: no registry is reachable from our machines.
// Check it with `docker buildx imagetools inspect aquasec/trivy:0.74.0` when bumping.
export const TRIVY_IMAGE =
  "aquasec/trivy:0.74.0@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969";

/** Where publish reaches a stand-in registry service (registry:2 listens on 5000). */
export const STAND_IN_HOST = "registry";
export const STAND_IN_PORT = 5000;

/** One service to build, as the core's build-plan prints it. */
export interface BuildTarget {
  service: string;
  ecrRepository: string;
  context:
    { kind: "local"; path: string } | { kind: "git"; url: string; commit: string; subdir?: string; patch?: string };
  dockerfile: string;
  platforms: string[];
}

export interface BuildPlan {
  env: string;
  registry: string;
  tags?: string[];
  targets: BuildTarget[];
}

export interface BuildSelection {
  services: string[];
  platforms: string[];
  commit?: string;
}

/** The core's build matrix for an environment (services, contexts, patches checked, tags). */
export async function buildPlan(source: Directory, env: string, sel: BuildSelection): Promise<BuildPlan> {
  const args = [...CORE_CLI, "build-plan", "--env", env];
  for (const s of sel.services) args.push("--service", s);
  for (const p of sel.platforms) args.push("--platform", p);
  if (sel.commit) args.push("--commit", sel.commit);
  return JSON.parse(await coreToolbox(source).withExec(args).stdout()) as BuildPlan;
}

/** A service's build context: a directory of the repository, or a pinned upstream commit, patched. */
export function buildContext(source: Directory, target: BuildTarget): Directory {
  const ctx = target.context;
  if (ctx.kind === "local") return source.directory(ctx.path);
  let dir = dag.git(ctx.url).commit(ctx.commit).tree();
  if (ctx.subdir) dir = dir.directory(ctx.subdir);
  if (!ctx.patch) return dir;
  return coreToolbox(source)
    .withDirectory("/context", dir)
    .withExec([...CORE_CLI, "apply-patch", "--dir", "/context", "--patch", ctx.patch])
    .directory("/context");
}

/** One container per platform: together they are the service's multi-platform image. */
export function buildService(source: Directory, target: BuildTarget): Container[] {
  const ctx = buildContext(source, target);
  return target.platforms.map((platform) =>
    ctx
      .dockerBuild({ platform: platform as Platform, dockerfile: target.dockerfile })
      .withLabel("org.opencontainers.image.title", target.service),
  );
}

/**
 * Builds every target in parallel and reports, from the record kept in a cache volume, which
 * services had new inputs (rebuilt) and which had the same inputs as the last build on this
 * engine (served from its cache).
 */
export async function buildAllImages(source: Directory, plan: BuildPlan): Promise<Map<string, Container[]>> {
  const built = new Map(plan.targets.map((t) => [t.service, buildService(source, t)] as const));
  await Promise.all([...built.values()].flat().map((c) => c.sync()));
  const inputs = await Promise.all(
    plan.targets.map(async (t) => ({
      service: t.service,
      contextDigest: await buildContext(source, t).digest(),
      dockerfile: t.dockerfile,
      platforms: t.platforms,
    })),
  );
  const report = await everyCall(coreToolbox(source))
    .withMountedCache("/records", dag.cacheVolume("ecs-pipeline-build-records"))
    .withExec([
      ...CORE_CLI,
      "build-record",
      "--record",
      `/records/${plan.env}.json`,
      "--inputs",
      JSON.stringify(inputs),
    ])
    .stdout();
  const { rebuilt, cached } = JSON.parse(report) as { rebuilt: string[]; cached: string[] };
  console.error(`rebuilt: ${rebuilt.join(", ") || "none"}; from cache: ${cached.join(", ") || "none"}`);
  return built;
}

export interface ScanOptions {
  threshold: string;
  ignoreFile?: File;
  dbRepository?: string;
  artifact: string;
  failOnFindings: boolean;
}

/**
 * Trivy on the container's tarball (no registry), with the DB in a cache volume, then the
 * core's gate on Trivy's JSON. Returns the gate's directory (report.sarif, report.json,
 * attestation-*.json); throws with the findings table when the gate fails and failOnFindings.
 */
export async function scanContainer(source: Directory, image: Container, o: ScanOptions): Promise<Directory> {
  const tarball = image.asTarball();
  // Same flags as the core's trivyImageArgs (src/images/trivy.ts): keep the two in step.
  const trivyArgs = [
    "trivy",
    "image",
    "--input",
    "/scan/image.tar",
    "--format",
    "json",
    "--output",
    "/scan/trivy.json",
  ];
  trivyArgs.push("--cache-dir", "/cache/trivy", "--scanners", "vuln", "--exit-code", "0");
  trivyArgs.push("--skip-version-check", "--disable-telemetry", "--quiet");
  if (o.dbRepository) trivyArgs.push("--db-repository", o.dbRepository);
  const report = everyCall(dag.container().from(TRIVY_IMAGE))
    .withMountedCache("/cache/trivy", dag.cacheVolume("ecs-pipeline-trivy-cache"))
    .withMountedFile("/scan/image.tar", tarball)
    .withExec(trivyArgs, { useEntrypoint: false })
    .file("/scan/trivy.json");
  const gateArgs = [...CORE_CLI, "scan-gate", "--report", "/scan/trivy.json", "--image", "/scan/image.tar"];
  gateArgs.push("--artifact", o.artifact, "--threshold", o.threshold, "--out-dir", "/scan/out");
  let gate = coreToolbox(source)
    .withMountedFile("/scan/trivy.json", report)
    .withMountedFile("/scan/image.tar", tarball);
  if (o.ignoreFile) {
    gate = gate.withMountedFile("/scan/ignore.yaml", o.ignoreFile);
    gateArgs.push("--ignore-file", "/scan/ignore.yaml");
  }
  const ran = gate.withExec(gateArgs, { expect: ReturnType.Any });
  const code = await ran.exitCode();
  if (code !== 0 && (code !== 1 || o.failOnFindings)) {
    throw new Error(
      `scanImage: ${o.artifact} ${code === 1 ? "failed the gate" : `scan-gate exited ${code}`}\n${await ran.stderr()}`,
    );
  }
  return ran.directory("/scan/out");
}

/** How publish and scanAll gate images: threshold, ignore file, DB mirror. */
export interface GateSettings {
  threshold: string;
  ignoreFile?: File;
  dbRepository?: string;
}

/**
 * Scans every platform of every built service and collects the reports and attestations,
 * one subdirectory per service and platform. With failOnFindings, the first failing gate
 * throws; without, every verdict is recorded for verify-scan to judge all at once.
 */
export async function scanBuilt(
  source: Directory,
  plan: BuildPlan,
  built: Map<string, Container[]>,
  gate: GateSettings,
  failOnFindings: boolean,
): Promise<Directory> {
  const scans = plan.targets.flatMap((t) =>
    (built.get(t.service) ?? []).map(async (image, i) => {
      const platform = t.platforms[i] ?? String(i);
      const dir = await scanContainer(source, image, { ...gate, artifact: `${t.service} ${platform}`, failOnFindings });
      return { path: `${t.service}/${platform.replace("/", "-")}`, dir };
    }),
  );
  let out = dag.directory();
  for (const { path, dir } of await Promise.all(scans)) out = out.withDirectory(path, dir);
  return out;
}

export interface PublishOptions {
  plan: BuildPlan;
  built: Map<string, Container[]>;
  /** Attestations made earlier; when absent (and not bypassed), publish scans the images itself. */
  scans?: Directory;
  /** How publish gates the images it scans itself; default: fail at CRITICAL, no ignores. */
  gate?: GateSettings;
  allowUnscanned: boolean;
  /** Who logs in to ECR (the environment's deploy role is assumed with it); for an emulator
   * environment, its emulator, whose registry stands in for ECR. */
  identity: BaseIdentity;
  /** The commit the images were built from: their tags. */
  commit: string;
  dryRun: boolean;
}

/**
 * Refuses images without a passing scan (core verify-scan; scanning them here unless
 * attestations are given), then the core's push-images pushes each service's platform
 * variants, as one multi-platform archive, to its ECR repository with skopeo: re-runnable
 * under immutable tags (a tag already on this digest is left alone; one on an earlier build
 * of the commit is reused when that build's stored scan passed). Returns push-images --json:
 * per service the digest and the repository:tag@digest references deploys use.
 */
export async function publishImages(source: Directory, o: PublishOptions): Promise<string> {
  let verify = everyCall(coreToolbox(source));
  const verifyArgs = [...CORE_CLI, "verify-scan"];
  for (const t of o.plan.targets) {
    (o.built.get(t.service) ?? []).forEach((c, i) => {
      const file = `/images/${t.service}-${i}.tar`;
      verify = verify.withMountedFile(file, c.asTarball());
      verifyArgs.push("--image", `${t.service} ${t.platforms[i]}=${file}`);
    });
  }
  const scans =
    o.scans ??
    (o.allowUnscanned
      ? undefined
      : await scanBuilt(source, o.plan, o.built, o.gate ?? { threshold: "CRITICAL" }, false));
  if (scans) verify = verify.withMountedDirectory("/scans", scans);
  if (scans) verifyArgs.push("--attestations", "/scans");
  if (o.allowUnscanned) verifyArgs.push("--allow-unscanned");
  console.error(await verify.withExec(verifyArgs).stderr());
  const tags = o.plan.tags ?? [];
  const refs = o.plan.targets.map((t) => ({ service: t.service, repo: `${o.plan.registry}/${t.ecrRepository}` }));
  if (o.dryRun) {
    return JSON.stringify(
      { env: o.plan.env, dryRun: true, wouldPush: refs.map((r) => tags.map((tag) => `${r.repo}:${tag}`)).flat() },
      null,
      2,
    );
  }
  let push = withAwsIdentity(everyCall(promoter(source)), o.identity);
  const pushArgs = [...CORE_CLI, "push-images", "--env", o.plan.env, "--commit", o.commit, "--json"];
  for (const r of refs) {
    const [first, ...rest] = o.built.get(r.service) ?? [];
    if (!first) continue;
    push = push.withMountedFile(`/push/${r.service}.tar`, first.asTarball({ platformVariants: rest }));
    pushArgs.push("--image", `${r.service}=/push/${r.service}.tar`);
  }
  if (scans) {
    push = push.withMountedDirectory("/push-scans", scans);
    pushArgs.push("--attestations", "/push-scans");
  }
  // To a stand-in registry (the local rehearsal) it pushes without a login.
  const standIn = o.identity.emulator?.registry;
  if (standIn) {
    push = push.withServiceBinding(STAND_IN_HOST, standIn);
    pushArgs.push("--registry", `${STAND_IN_HOST}:${STAND_IN_PORT}`, "--insecure-registry");
  }
  return push.withExec(pushArgs).stdout();
}
