import { createHash } from "node:crypto";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/**
 * A fingerprint of everything a plan was made from: the source of the root and of every
 * local module it calls, the var file, the provider lock file, the backend, and the state
 * (lineage, serial and a hash of its content: a state edited without a serial bump is a
 * changed state too). Apply recomputes it and refuses a plan whose inputs moved on.
 */

export const FINGERPRINT_INPUTS = ["source", "varFile", "lockFile", "backend", "state"] as const;
export type FingerprintInput = (typeof FINGERPRINT_INPUTS)[number];

export const stateIdentSchema = z.object({
  lineage: z.string().nullable(),
  serial: z.number().int().nullable(),
  /** sha256 of the state as `tofu state pull` prints it; null when there is no state yet. */
  sha256: z.string().nullable().default(null),
});
export type StateIdent = z.infer<typeof stateIdentSchema>;

export const fingerprintSchema = z.object({
  format: z.literal(1),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.object({
    source: z.string(),
    varFile: z.string(),
    lockFile: z.string(),
    backend: z.string(),
    state: z.string(),
  }),
  state: stateIdentSchema,
  /** sha256 of each source file, by repository-relative path: says which file changed. */
  sourceFiles: z.record(z.string(), z.string()),
});
export type Fingerprint = z.infer<typeof fingerprintSchema>;

export interface FingerprintOptions {
  repoRoot: string;
  /** Directories whose files make up the source: the root and its local modules (absolute). */
  sourceDirs: string[];
  varFile: string;
  lockFile: string;
  /** The backend settings in a stable textual form. */
  backend: string;
  state: StateIdent;
  /** Directories never hashed (a plan output inside the root, say). */
  exclude?: string[];
}

export async function computeFingerprint(options: FingerprintOptions): Promise<Fingerprint> {
  const files = await sourceFiles(options.sourceDirs, [options.lockFile, ...(options.exclude ?? [])]);
  const sourceHashes: Record<string, string> = {};
  for (const file of files) {
    sourceHashes[path.relative(options.repoRoot, file).split(path.sep).join("/")] = sha256(await readFile(file));
  }
  const inputs = {
    source: sha256(
      Object.entries(sourceHashes)
        .map(([f, h]) => `${h}  ${f}\n`)
        .join(""),
    ),
    varFile: await fileHash(options.varFile),
    lockFile: await fileHash(options.lockFile),
    backend: sha256(options.backend),
    state: `${options.state.lineage ?? "none"}:${options.state.serial ?? "none"}:${options.state.sha256 ?? "none"}`,
  };
  return { format: 1, digest: fingerprintDigest(inputs), inputs, state: options.state, sourceFiles: sourceHashes };
}

/** The digest of a fingerprint's inputs: apply recomputes it, so an edited digest is detected. */
export function fingerprintDigest(inputs: Fingerprint["inputs"]): string {
  return sha256(FINGERPRINT_INPUTS.map((k) => `${k}=${inputs[k]}`).join("\n"));
}

export interface FingerprintDifference {
  input: FingerprintInput;
  detail: string;
}

/** What differs between the plan's fingerprint and now, in words a reviewer can act on. */
export function compareFingerprints(planned: Fingerprint, current: Fingerprint): FingerprintDifference[] {
  const out: FingerprintDifference[] = [];
  for (const input of FINGERPRINT_INPUTS) {
    if (planned.inputs[input] === current.inputs[input]) continue;
    out.push({ input, detail: describe(input, planned, current) });
  }
  return out;
}

function describe(input: FingerprintInput, planned: Fingerprint, current: Fingerprint): string {
  switch (input) {
    case "source": {
      const names = new Set([...Object.keys(planned.sourceFiles), ...Object.keys(current.sourceFiles)]);
      const changed = [...names].filter((n) => planned.sourceFiles[n] !== current.sourceFiles[n]).sort();
      const shown = changed.slice(0, 10).join(", ") + (changed.length > 10 ? `, and ${changed.length - 10} more` : "");
      return `Terraform source changed: ${shown}`;
    }
    case "state":
      if (planned.state.lineage === current.state.lineage && planned.state.serial === current.state.serial) {
        return `the state's content changed without a new serial (still serial ${current.state.serial ?? "none"}): it was edited outside Terraform`;
      }
      return `state moved on: planned against serial ${planned.state.serial ?? "none"} (lineage ${planned.state.lineage ?? "none"}), now serial ${current.state.serial ?? "none"} (lineage ${current.state.lineage ?? "none"})`;
    case "varFile":
      return "the environment's var file changed";
    case "lockFile":
      return "the provider lock file (.terraform.lock.hcl) changed";
    case "backend":
      return "the backend settings (bucket, key, region, lock) changed";
  }
}

/** `tofu state pull` output → lineage, serial and content hash; empty output means no state yet. */
export function parseStateIdent(stateJson: string): StateIdent {
  const none = { lineage: null, serial: null, sha256: null };
  const text = stateJson.trim();
  if (text === "") return none;
  const parsed = z
    .object({ serial: z.number().int().optional(), lineage: z.string().optional() })
    .safeParse(JSON.parse(text));
  if (!parsed.success) return none;
  const lineage = parsed.data.lineage || null;
  // A state never written has serial 0 and an empty lineage: the same as none.
  return lineage === null ? none : { lineage, serial: parsed.data.serial ?? null, sha256: sha256(text) };
}

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

async function fileHash(file: string): Promise<string> {
  try {
    return sha256(await readFile(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw err;
  }
}

/** Every file under the directories, skipping hidden entries, state and plan files. */
async function sourceFiles(dirs: string[], exclude: string[]): Promise<string[]> {
  const skip = new Set(exclude.map((e) => path.resolve(e)));
  const found = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.name.startsWith(".") || skip.has(full)) continue;
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && !/\.(tfstate|tfstate\.backup|tfplan)$/.test(e.name)) found.add(full);
    }
  };
  for (const dir of new Set(dirs.map((d) => path.resolve(d)))) await walk(dir);
  return [...found].sort();
}
