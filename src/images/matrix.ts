import { findService } from "../config/load.js";
import type { EnvironmentConfig, ServiceConfig } from "../config/schema.js";
import { userError } from "../errors.js";

export type Platform = "linux/amd64" | "linux/arm64";
const PLATFORMS: readonly Platform[] = ["linux/amd64", "linux/arm64"];

export type BuildContext =
  | { kind: "local"; path: string }
  | { kind: "git"; url: string; commit: string; subdir: string | undefined; patch: string | undefined };

/** One service to build: where its context comes from and for which platforms. */
export interface BuildTarget {
  service: string;
  ecrRepository: string;
  context: BuildContext;
  dockerfile: string;
  platforms: Platform[];
}

export interface BuildMatrixOptions {
  /** Build only these services; all of the environment's when empty. */
  services: string[];
  /** Build only these platforms (e.g. the host's, for a quick local build); config's when empty. */
  platforms: string[];
}

/**
 * Every (service, platforms) pair to build for an environment. Services keep the config's
 * order; an unknown service or platform is refused before anything builds.
 */
export function buildMatrix(env: EnvironmentConfig, options: BuildMatrixOptions): BuildTarget[] {
  const chosen =
    options.services.length === 0 ? env.services : unique(options.services).map((n) => findService(env, n));
  const platforms = unique(options.platforms).map(parsePlatform);
  return chosen.map((s) => target(s, platforms));
}

function target(s: ServiceConfig, only: Platform[]): BuildTarget {
  const ctx = s.build.context;
  const context: BuildContext =
    "path" in ctx
      ? { kind: "local", path: ctx.path }
      : { kind: "git", url: ctx.git, commit: ctx.commit, subdir: ctx.subdir, patch: ctx.patch };
  const platforms = only.length === 0 ? (s.build.platforms ?? [runtimePlatformOf(s)]) : only;
  return { service: s.name, ecrRepository: s.ecrRepository, context, dockerfile: s.build.dockerfile, platforms };
}

/**
 * The platform a service's tasks run on, from its runtime platform: building only that halves
 * build and scan time against building amd64 and arm64 (half of it under emulation).
 */
export function runtimePlatformOf(s: Pick<ServiceConfig, "runtimePlatform">): Platform {
  return platformOfArchitecture(s.runtimePlatform.cpuArchitecture);
}

/** ECS's runtimePlatform.cpuArchitecture as an OCI platform (Fargate's default is X86_64). */
export function platformOfArchitecture(cpuArchitecture: string | undefined): Platform {
  return cpuArchitecture === "ARM64" ? "linux/arm64" : "linux/amd64";
}

export function parsePlatform(value: string): Platform {
  const found = PLATFORMS.find((p) => p === value);
  if (!found) {
    throw userError(
      "images.bad-platform",
      `Failed to plan the build: platform "${value}" is not supported; expected one of ${PLATFORMS.join(", ")}`,
    );
  }
  return found;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
