import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { chmod, cp, lstat, mkdir, readFile, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The corpus's data format and the operations a case's setup may use. Cases live in
 * test/corpus/*.json, one file per boundary; corpus.test.ts runs them.
 */
export interface CorpusCase {
  name: string;
  argv: string[];
  /** Process variables for the run, on top of the emulator's test keys. Placeholders allowed. */
  env?: Record<string, string>;
  setup?: SetupStep[];
  /** The GitHub stand-in for pr-comment cases. */
  github?: { user?: string; seed?: { body: string; user: string }[]; pageSize?: number; foreignNext?: boolean };
  expect: {
    exit: number;
    /** Fragments the error output must contain (exit != 0) or the logs (exit 0). */
    stderr?: string[];
    stdout?: string[];
    /** After a success: files and their modes (octal string) or content fragments. */
    files?: Record<string, { mode?: string; contains?: string; absent?: boolean }>;
    /** After a pr-comment run: bodies of the comments by login. */
    comments?: { user: string; contains: string }[];
  };
}

export interface CorpusFile {
  boundary: string;
  /** Needs OpenTofu and the prepared plans of the plan-directory boundary. */
  needsPlans?: boolean;
  cases: CorpusCase[];
}

export type SetupStep =
  | { write: string; text: string }
  | { write: string; base64: string }
  | { write: string; json: unknown }
  | { write: string; deepJson: number }
  | { write: string; trivy: [string, string, string | null][]; imageId?: string }
  | { edit: string; set?: Record<string, unknown>; unset?: string[]; raw?: [string, string] }
  | { mkdir: string }
  | { remove: string }
  | { chmod: string; mode: string }
  | { copy: string; to: string }
  | { symlink: string; to: string }
  | { rehash: string }
  /** Edits the emulator's copy of a state object (bucket/key) without bumping its serial; undone after the case. */
  | { editState: string };

/** Replaces {name} placeholders with the run's values (emulator URL, stand-ins, image id...). */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{([a-zA-Z]+)\}/g, (whole, key: string) => values[key] ?? whole);
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let cur: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === undefined) Reflect.deleteProperty(cur, last);
  else cur[last] = value;
}

/** Runs one setup step inside the case's repository. */
export async function runStep(root: string, step: SetupStep, values: Record<string, string>): Promise<void> {
  const at = (p: string) => path.join(root, fill(p, values));
  if ("write" in step) {
    await mkdir(path.dirname(at(step.write)), { recursive: true });
    if ("text" in step) await writeFile(at(step.write), fill(step.text, values));
    else if ("base64" in step) await writeFile(at(step.write), Buffer.from(step.base64, "base64"));
    else if ("json" in step) await writeFile(at(step.write), fill(JSON.stringify(step.json, null, 2), values));
    else if ("deepJson" in step) await writeFile(at(step.write), "[".repeat(step.deepJson) + "]".repeat(step.deepJson));
    else
      await writeFile(
        at(step.write),
        JSON.stringify(trivyReport(step.trivy, step.imageId && fill(step.imageId, values))),
      );
  } else if ("edit" in step) {
    let text = await readFile(at(step.edit), "utf8");
    if (step.raw) text = text.replace(step.raw[0], fill(step.raw[1], values));
    if (step.set || step.unset) {
      const json = JSON.parse(text) as Record<string, unknown>;
      for (const [k, v] of Object.entries(step.set ?? {}))
        setPath(json, k, JSON.parse(fill(JSON.stringify(v), values)));
      for (const k of step.unset ?? []) setPath(json, k, undefined);
      text = JSON.stringify(json, null, 2);
    }
    await writeFile(at(step.edit), text);
  } else if ("mkdir" in step) await mkdir(at(step.mkdir), { recursive: true });
  else if ("remove" in step) await rm(at(step.remove), { recursive: true, force: true });
  else if ("chmod" in step) await chmod(at(step.chmod), parseInt(step.mode, 8));
  else if ("copy" in step) await cp(at(step.copy), at(step.to), { recursive: true });
  else if ("symlink" in step) await symlink(fill(step.symlink, values), at(step.to));
  else if ("rehash" in step) await rehashPlanDir(at(step.rehash));
  else throw new Error("editState is run by the corpus runner");
}

/**
 * What someone who edits a plan directory by hand would do to pass naive checks: set
 * meta.json's hashes of plan.tfplan and fingerprint.json (and the fingerprint digest) to
 * match the files now there. Apply must still refuse what the plan file itself contradicts.
 */
async function rehashPlanDir(dir: string): Promise<void> {
  const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
  const meta = JSON.parse(await readFile(path.join(dir, "meta.json"), "utf8")) as Record<string, unknown>;
  const fpText = await readFile(path.join(dir, "fingerprint.json"), "utf8");
  meta.planSha256 = sha(await readFile(path.join(dir, "plan.tfplan")));
  meta.fingerprintSha256 = sha(fpText);
  meta.fingerprint = (JSON.parse(fpText) as { digest: string }).digest;
  await writeFile(path.join(dir, "meta.json"), JSON.stringify(meta, null, 2));
}

function trivyReport(findings: [string, string, string | null][], imageId: string | undefined): unknown {
  return {
    SchemaVersion: 2,
    ArtifactName: "img.tar",
    ArtifactType: "container_image",
    ...(imageId ? { Metadata: { ImageID: imageId } } : {}),
    Results: [
      {
        Target: "img.tar (alpine 3.20.3)",
        Class: "os-pkgs",
        Vulnerabilities: findings.map(([id, pkg, severity]) => ({
          VulnerabilityID: id,
          PkgName: pkg,
          InstalledVersion: "1.0.0-r0",
          ...(severity === null ? {} : { Severity: severity }),
        })),
      },
    ],
  };
}

/** A hash of every path, type, mode and content under `root`: equal before and after = nothing changed. */
export async function treeHash(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir)).sort();
    for (const name of entries) {
      const full = path.join(dir, name);
      const info = await lstat(full);
      hash.update(`${path.relative(root, full)}\0${info.mode.toString(8)}\0`);
      if (info.isSymbolicLink()) hash.update(await readlink(full));
      else if (info.isDirectory()) await walk(full);
      else hash.update(await readFile(full));
    }
  };
  await walk(root);
  return hash.digest("hex");
}

/** The emulator's whole state (moto's data.json): equal before and after = nothing changed in "AWS". */
export async function emulatorSnapshot(endpoint: string): Promise<string> {
  const res = await fetch(`${endpoint}/moto-api/data.json`);
  return createHash("sha256")
    .update(await res.text())
    .digest("hex");
}

export interface Recorder {
  url: string;
  requests: string[];
  stop(): Promise<void>;
}

/**
 * A small HTTP server: the GitHub OIDC request endpoint (/oidc), the container-credentials
 * endpoint (/creds), and, as "evil", a host that must never be called (it records requests).
 */
export async function startHelper(): Promise<Recorder> {
  const requests: string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
    const url = new URL(req.url ?? "/", "http://x");
    res.writeHead(200, { "content-type": "application/json" });
    if (url.pathname === "/oidc") res.end(JSON.stringify({ value: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.c2ln" }));
    else if (url.pathname === "/creds")
      res.end(
        JSON.stringify({
          AccessKeyId: "AKIDCORPUS",
          SecretAccessKey: "corpus-secret",
          Token: "corpus-session",
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
    else res.end("[]");
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// moto reads the service from the SigV4 credential scope and does not check signatures.
const S3_AUTH =
  "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/**
 * Changes what a state says (the first resource's first attribute value) but not its
 * lineage or serial, as a hand edit or a buggy tool would; returns the undo.
 */
export async function editState(endpoint: string, object: string): Promise<() => Promise<void>> {
  const url = `${endpoint}/${object}`;
  const original = await (await fetch(url, { headers: { Authorization: S3_AUTH } })).text();
  const state = JSON.parse(original) as { resources: { instances: { attributes: Record<string, unknown> }[] }[] };
  const attributes = state.resources[0]!.instances[0]!.attributes;
  attributes.id = "edited-by-hand";
  const put = (body: string) => fetch(url, { method: "PUT", headers: { Authorization: S3_AUTH }, body });
  await put(JSON.stringify(state, null, 2));
  return async () => void (await put(original));
}
