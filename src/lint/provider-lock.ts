import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";

/**
 * The provider lock check of `lint`: every Terraform root (a directory directly under
 * terraform/, other than modules/) pins each provider it requires to one exact version and
 * commits a .terraform.lock.hcl that locks that version, which every constraint of the root
 * and of the local modules it calls admits, with package hashes (h1:) for more than one
 * platform. Without that, plan and apply in fresh containers can resolve different providers
 * (and apply then refuses the plan as stale), and laptops and CI drift apart.
 *
 * OpenTofu records the provider under registry.opentofu.org and checks the package it
 * installs against these hashes (https://opentofu.org/docs/language/files/dependency-lock/).
 * `tofu init` on one machine writes the h1 hash of its own platform only, hence the second.
 */

export interface LockProblem {
  root: string;
  message: string;
}

/** Platforms the pipeline runs tofu on; the lock must carry a package hash for each. */
export const LOCK_PLATFORMS = ["linux_amd64", "linux_arm64"] as const;

const REGISTRY_HOST = "registry.opentofu.org";

interface Requirement {
  source: string;
  constraints: { file: string; constraint: string }[];
}

interface LockedProvider {
  version: string;
  hashes: string[];
}

type Hcl = Record<string, unknown>;

/** Roots under `<repo>/terraform` (every directory but modules/), repository-relative. */
export async function terraformRoots(repo: string): Promise<string[]> {
  const dir = path.join(repo, "terraform");
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && e.name !== "modules" && !e.name.startsWith("."))
    .map((e) => path.join("terraform", e.name))
    .sort();
}

/** Every problem with the provider pins and lock files of the repository's roots. */
export async function checkProviderLocks(repo: string): Promise<LockProblem[]> {
  const problems: LockProblem[] = [];
  for (const root of await terraformRoots(repo)) {
    const requirements = await rootRequirements(repo, root);
    const lockPath = path.join(repo, root, ".terraform.lock.hcl");
    if (requirements.size === 0) continue;
    if (!existsSync(lockPath)) {
      problems.push({ root, message: `${root}/.terraform.lock.hcl is missing. ${HOW_TO_LOCK}` });
      continue;
    }
    const locked = await readLock(lockPath);
    for (const [name, req] of requirements) problems.push(...checkOne(root, name, req, locked));
  }
  return problems;
}

const HOW_TO_LOCK = `Create it with: tofu providers lock ${LOCK_PLATFORMS.map((p) => `-platform=${p}`).join(" ")} (in the root, with registry access), and commit it.`;

function checkOne(root: string, name: string, req: Requirement, locked: Map<string, LockedProvider>): LockProblem[] {
  const own = req.constraints.filter((c) => path.dirname(c.file) === root);
  const exact = own.map((c) => exactVersion(c.constraint)).find((v) => v !== undefined);
  const problems: string[] = [];
  if (!exact) {
    const said = own.map((c) => `"${c.constraint}" (${c.file})`).join(", ") || "no version constraint";
    problems.push(`provider ${name} (${req.source}) is not pinned to one version: ${said}; write version = "X.Y.Z"`);
  }
  const address = `${REGISTRY_HOST}/${req.source.includes("/") ? req.source : `hashicorp/${req.source}`}`;
  const lock = locked.get(address.toLowerCase());
  if (!lock) {
    problems.push(`the lock file has no entry for ${address}. ${HOW_TO_LOCK}`);
  } else {
    if (exact && lock.version !== exact) {
      problems.push(`the lock file locks ${address} ${lock.version}, but the root requires ${exact}. ${HOW_TO_LOCK}`);
    }
    for (const c of req.constraints) {
      if (!satisfies(lock.version, c.constraint)) {
        problems.push(`the locked ${address} ${lock.version} does not meet "${c.constraint}" in ${c.file}`);
      }
    }
    const h1 = lock.hashes.filter((h) => h.startsWith("h1:")).length;
    if (h1 < LOCK_PLATFORMS.length) {
      problems.push(
        `the lock file has ${h1} package hash(es) (h1:) for ${address}; it needs one per platform (${LOCK_PLATFORMS.join(", ")}). ${HOW_TO_LOCK}`,
      );
    }
  }
  return problems.map((message) => ({ root, message }));
}

/** The providers a root requires, with every constraint from the root and its local modules. */
async function rootRequirements(repo: string, root: string): Promise<Map<string, Requirement>> {
  const out = new Map<string, Requirement>();
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    if (seen.has(dir) || !existsSync(path.join(repo, dir))) return;
    seen.add(dir);
    for (const file of (await readdir(path.join(repo, dir))).filter((f) => f.endsWith(".tf")).sort()) {
      const rel = path.join(dir, file);
      const doc = await parse(rel, await readFile(path.join(repo, rel), "utf8"));
      for (const [name, spec] of requiredProviders(doc)) {
        const req = out.get(name) ?? { source: spec.source ?? `hashicorp/${name}`, constraints: [] };
        if (spec.version) req.constraints.push({ file: rel, constraint: spec.version });
        out.set(name, req);
      }
      for (const source of moduleSources(doc)) {
        if (source.startsWith("./") || source.startsWith("../")) await visit(path.join(dir, source));
      }
    }
  };
  await visit(root);
  return out;
}

function blocks(doc: Hcl, key: string): Hcl[] {
  const value = doc[key];
  return Array.isArray(value) ? (value as Hcl[]) : [];
}

function requiredProviders(doc: Hcl): [string, { source?: string; version?: string }][] {
  return blocks(doc, "terraform")
    .flatMap((t) => blocks(t, "required_providers"))
    .flatMap((rp) => Object.entries(rp as Record<string, { source?: string; version?: string }>));
}

function moduleSources(doc: Hcl): string[] {
  const modules = (doc.module ?? {}) as Record<string, { source?: string }[]>;
  return Object.values(modules)
    .flat()
    .map((m) => m.source ?? "");
}

async function readLock(file: string): Promise<Map<string, LockedProvider>> {
  const doc = await parse(".terraform.lock.hcl", await readFile(file, "utf8"));
  const providers = (doc.provider ?? {}) as Record<string, { version?: string; hashes?: string[] }[]>;
  return new Map(
    Object.entries(providers).map(([address, [block]]) => [
      address.toLowerCase(),
      { version: block?.version ?? "", hashes: block?.hashes ?? [] },
    ]),
  );
}

/** "6.0.0" or "= 6.0.0" → "6.0.0"; anything that admits more than one version → undefined. */
export function exactVersion(constraint: string): string | undefined {
  const m = /^\s*=?\s*(\d+\.\d+\.\d+)\s*$/.exec(constraint);
  return m?.[1];
}

/** Terraform's version constraint syntax (=, !=, >, >=, <, <=, ~>), comma meaning "and". */
export function satisfies(version: string, constraint: string): boolean {
  const v = parts(version);
  return constraint.split(",").every((term) => {
    const m = /^\s*(=|!=|>=|<=|>|<|~>)?\s*(\d+(?:\.\d+){0,2})\s*$/.exec(term);
    if (!m) return false;
    const op = m[1] ?? "=";
    const bound = m[2]!;
    const c = compare(v, parts(bound));
    switch (op) {
      case "=":
        return c === 0;
      case "!=":
        return c !== 0;
      case ">":
        return c > 0;
      case ">=":
        return c >= 0;
      case "<":
        return c < 0;
      case "<=":
        return c <= 0;
      default: {
        // ~> 6.1 allows >= 6.1, < 7.0; ~> 6.1.2 allows >= 6.1.2, < 6.2.0.
        const given = bound.split(".").length;
        const upper = parts(bound).slice(0, Math.max(1, given - 1));
        const last = upper.length - 1;
        upper[last] = (upper[last] ?? 0) + 1;
        return c >= 0 && compare(v, [...upper, 0, 0].slice(0, 3)) < 0;
      }
    }
  });
}

function parts(version: string): number[] {
  const p = version.split(".").map((n) => Number(n));
  return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
