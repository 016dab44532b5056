import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareFingerprints,
  computeFingerprint,
  parseStateIdent,
  sha256,
  type FingerprintOptions,
} from "../../../src/terraform/fingerprint.js";

async function tree(): Promise<FingerprintOptions> {
  const repoRoot = await mkdtemp(path.join(tmpdir(), "fp-"));
  const root = path.join(repoRoot, "terraform/platform");
  const mod = path.join(repoRoot, "terraform/modules/net");
  await mkdir(root, { recursive: true });
  await mkdir(mod, { recursive: true });
  await mkdir(path.join(root, ".terraform"), { recursive: true });
  await writeFile(path.join(root, "main.tf"), 'module "net" { source = "../modules/net" }\n');
  await writeFile(path.join(root, ".terraform.lock.hcl"), "# lock\n");
  await writeFile(path.join(root, ".terraform/ignored"), "x");
  await writeFile(path.join(root, "terraform.tfstate"), "{}");
  await writeFile(path.join(mod, "main.tf"), "# net\n");
  await writeFile(path.join(repoRoot, "dev.tfvars"), 'environment = "dev"\n');
  return {
    repoRoot,
    sourceDirs: [root, mod],
    varFile: path.join(repoRoot, "dev.tfvars"),
    lockFile: path.join(root, ".terraform.lock.hcl"),
    backend: '{"bucket":"b","key":"k"}',
    state: { lineage: "abc", serial: 4, sha256: "s4" },
  };
}

describe("computeFingerprint", () => {
  it("hashes the root and module files by repository path, leaving out hidden dirs, state and the lock file", async () => {
    const fp = await computeFingerprint(await tree());
    expect(Object.keys(fp.sourceFiles)).toEqual(["terraform/modules/net/main.tf", "terraform/platform/main.tf"]);
    expect(fp.inputs.state).toBe("abc:4:s4");
    expect(fp.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is the same for the same inputs and differs when any one input changes", async () => {
    const opts = await tree();
    const base = await computeFingerprint(opts);
    expect((await computeFingerprint(opts)).digest).toBe(base.digest);

    const state = await computeFingerprint({ ...opts, state: { lineage: "abc", serial: 5, sha256: "s5" } });
    const backend = await computeFingerprint({ ...opts, backend: '{"bucket":"other"}' });
    await writeFile(opts.varFile, "x = 1\n");
    const changed = [state, backend, await computeFingerprint(opts)] as const;
    expect(compareFingerprints(base, changed[0]).map((d) => d.input)).toEqual(["state"]);
    expect(compareFingerprints(base, changed[1]).map((d) => d.input)).toEqual(["backend"]);
    expect(compareFingerprints(base, changed[2]).map((d) => d.input)).toEqual(["varFile"]);
  });

  it("names the module file that changed", async () => {
    const opts = await tree();
    const base = await computeFingerprint(opts);
    await writeFile(path.join(opts.repoRoot, "terraform/modules/net/main.tf"), "# net v2\n");
    await writeFile(opts.lockFile, "# lock v2\n");
    const diffs = compareFingerprints(base, await computeFingerprint(opts));
    expect(diffs.map((d) => d.detail)).toEqual([
      "Terraform source changed: terraform/modules/net/main.tf",
      "the provider lock file (.terraform.lock.hcl) changed",
    ]);
  });

  it("sees a state edited without a serial bump as a changed state", async () => {
    const opts = await tree();
    const base = await computeFingerprint(opts);
    const edited = await computeFingerprint({ ...opts, state: { lineage: "abc", serial: 4, sha256: "edited" } });
    expect(compareFingerprints(base, edited).map((d) => d.detail)).toEqual([
      "the state's content changed without a new serial (still serial 4): it was edited outside Terraform",
    ]);
  });

  it("treats a missing lock file as an input of its own", async () => {
    const opts = await tree();
    const fp = await computeFingerprint({ ...opts, lockFile: path.join(opts.repoRoot, "nope.hcl") });
    expect(fp.inputs.lockFile).toBe("absent");
  });
});

describe("parseStateIdent", () => {
  it("reads lineage and serial from `tofu state pull`", () => {
    const text = '{"version":4,"serial":7,"lineage":"l-1"}';
    expect(parseStateIdent(text)).toEqual({ lineage: "l-1", serial: 7, sha256: sha256(text) });
  });

  it("treats no output and a never-written state alike as no state", () => {
    const none = { lineage: null, serial: null, sha256: null };
    expect(parseStateIdent("")).toEqual(none);
    expect(parseStateIdent('{"version":4,"serial":0,"lineage":""}')).toEqual(none);
  });
});
