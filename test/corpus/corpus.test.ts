import { cp, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadEnvironment } from "../../src/config/load.js";
import { readTarballImage } from "../../src/images/image-id.js";
import { apply } from "../../src/terraform/apply.js";
import { plan } from "../../src/terraform/plan.js";
import { startGitHubStandIn, type GitHubStandIn } from "../integration/github/github-stand-in.js";
import { alpineRootfs, writeOciArchive } from "../integration/images/support/oci.js";
import { makeRepo, writeVars, type TestRepo } from "../integration/terraform/harness.js";
import { startMoto, type Moto } from "../support/moto.js";
import {
  editState,
  emulatorSnapshot,
  fill,
  runStep,
  startHelper,
  treeHash,
  type CorpusCase,
  type CorpusFile,
  type Recorder,
} from "./support.js";

/**
 * The bad-input corpus (issue 15): every case, kept as data in test/corpus/*.json with its
 * expected verdict, runs the core CLI as a user would, in a scratch repository. A refused case
 * must end in exit 2 (or its documented code) with a message that names the input, says what
 * was wrong ("Error:") and what to do ("Hint:"), never a stack trace; and the repository's
 * files and the emulator's state must be exactly as they were before it.
 */

const here = import.meta.dirname;
const REPO = path.resolve(here, "../..");
const TOKEN = "ghs_corpus-token-0123456789";
const ISSUE = "acme/platform/issues/7";

const files: CorpusFile[] = [];
for (const name of (await readdir(here)).filter((f) => f.endsWith(".json")).sort()) {
  files.push(JSON.parse(await readFile(path.join(here, name), "utf8")) as CorpusFile);
}

let moto: Moto;
let helper: Recorder;
let evil: Recorder;
let base: TestRepo;
const values: Record<string, string> = {};

beforeAll(async () => {
  moto = await startMoto();
  helper = await startHelper();
  evil = await startHelper();
  base = await makeRepo({ endpoint: moto.endpoint, name: "test" });
  await addRealEnvironments(base.root, moto.endpoint);
  await addOtherEnvironment(base);
  const image = path.join(base.root, "img.tar");
  await writeOciArchive(image, [
    { architecture: "amd64", files: alpineRootfs("3.20.3", [{ name: "busybox", version: "1.36.1-r29" }]) },
  ]);
  Object.assign(values, {
    moto: moto.endpoint,
    helper: helper.url,
    evil: evil.url,
    imageId: (await readTarballImage(image)).imageId,
  });
  if (files.some((f) => f.needsPlans)) await preparePlans(base);
}, 300_000);

afterAll(async () => {
  await helper?.stop();
  await evil?.stop();
  await moto?.stop();
  if (base) await rm(base.root, { recursive: true, force: true });
});

describe("every bad input gets a clear error and changes nothing", () => {
  for (const file of files) {
    describe(`${file.boundary} (${file.cases.length} cases)`, () => {
      for (const c of file.cases) {
        it(`${c.name} → exit ${c.expect.exit}`, () => runCase(c), 120_000);
      }
    });
  }

  it("holds at least 150 cases over six boundaries", () => {
    const total = files.reduce((n, f) => n + f.cases.length, 0);
    expect(total).toBeGreaterThanOrEqual(150);
    expect(files.map((f) => f.boundary).sort()).toEqual([
      "CLI arguments",
      "GitHub API and pull-request comments",
      "Trivy reports, ignore files and attestations",
      "environment files",
      "plan directories",
      "secret output files",
    ]);
  });
});

async function runCase(c: CorpusCase): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), "corpus-"));
  let gh: GitHubStandIn | undefined;
  const undo: (() => Promise<void>)[] = [];
  try {
    await cp(base.root, root, { recursive: true, verbatimSymlinks: true });
    const local: Record<string, string> = { ...values, root };
    if (c.github) {
      gh = await startGitHubStandIn({
        token: TOKEN,
        ...(c.github.user ? { user: c.github.user } : {}),
        pageSize: c.github.pageSize ?? 100,
        ...(c.github.foreignNext ? { rewriteLink: (link) => link.replace(/http:\/\/127\.0\.0\.1:\d+/, evil.url) } : {}),
      });
      for (const s of c.github.seed ?? []) gh.seed(ISSUE, s.body, s.user);
      local.gh = gh.apiUrl;
    }
    for (const step of c.setup ?? []) {
      if ("editState" in step)
        undo.push(await editState(moto.endpoint, `${base.env.terraform.backend.bucket}/${step.editState}`));
      else await runStep(root, step, local);
    }
    const treeBefore = await treeHash(root);
    const awsBefore = await emulatorSnapshot(moto.endpoint);
    const commentsBefore = JSON.stringify(gh?.comments ?? []);
    const evilBefore = evil.requests.length;

    const out: string[] = [];
    const log: string[] = [];
    const exit = await main(
      c.argv.map((a) => fill(a, local)),
      {
        out: (t) => out.push(t),
        log: (t) => log.push(t),
        env: { ...base.vars, ...(c.github ? { GITHUB_TOKEN: TOKEN } : {}), ...fillAll(c.env ?? {}, local) },
        cwd: root,
      },
    );
    const stderr = log.join("\n");
    const stdout = out.join("\n");
    const shown = `stdout:\n${stdout}\nstderr:\n${stderr}`;

    expect(exit, shown).toBe(c.expect.exit);
    expect(stderr, "no stack trace").not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|\n\s+at [^\s]+:\d+:\d+/);
    for (const fragment of c.expect.stderr ?? []) expect(stderr, shown).toContain(fill(fragment, local));
    for (const fragment of c.expect.stdout ?? []) expect(stdout, shown).toContain(fill(fragment, local));
    expect(evil.requests.length, "nothing is ever sent to a foreign host").toBe(evilBefore);
    if (exit !== 0 && exit !== 1) {
      expect(stderr, shown).toMatch(/^Error: .+/m);
      if (exit === 2) expect(stderr, `a refusal says what to do\n${shown}`).toMatch(/^Hint: .+/m);
      expect(await treeHash(root), "the repository is unchanged").toBe(treeBefore);
      expect(await emulatorSnapshot(moto.endpoint), "the emulator's state is unchanged").toBe(awsBefore);
      expect(JSON.stringify(gh?.comments ?? []), "no comment was changed").toBe(commentsBefore);
    }
    for (const [file, want] of Object.entries(c.expect.files ?? {})) {
      const full = path.join(root, fill(file, local));
      if (want.absent) {
        await expect(stat(full)).rejects.toThrow();
        continue;
      }
      if (want.mode) expect(((await stat(full)).mode & 0o777).toString(8), file).toBe(want.mode);
      if (want.contains) expect(await readFile(full, "utf8"), file).toContain(fill(want.contains, local));
    }
    for (const want of c.expect.comments ?? []) {
      const found = gh?.comments.filter((cm) => cm.user === want.user && cm.body.includes(want.contains)) ?? [];
      expect(found.length, `a comment by ${want.user} containing "${want.contains}"`).toBe(1);
    }
  } finally {
    for (const u of undo) await u();
    await gh?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

function fillAll(env: Record<string, string>, local: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v, local)]));
}

/** The repository's own environments (and their var files), with `local` pointed at the emulator. */
async function addRealEnvironments(root: string, endpoint: string): Promise<void> {
  for (const name of await readdir(path.join(REPO, "environments"))) {
    await cp(path.join(REPO, "environments", name), path.join(root, "environments", name));
  }
  const localFile = path.join(root, "environments", "local.json");
  const local = JSON.parse(await readFile(localFile, "utf8")) as { aws: { endpoint: string } };
  local.aws.endpoint = endpoint;
  await writeFile(localFile, JSON.stringify(local, null, 2));
  await cp(path.join(REPO, "services"), path.join(root, "services"), { recursive: true });
}

/** A second environment on the same fixture root and bucket, with its own state key. */
async function addOtherEnvironment(repo: TestRepo): Promise<void> {
  const env = JSON.parse(await readFile(path.join(repo.root, "environments", "test.json"), "utf8")) as {
    name: string;
    terraform: { varFile: string; backend: { key: string } };
  };
  env.name = "other";
  env.terraform.varFile = "environments/other.tfvars";
  env.terraform.backend.key = "platform/other.tfstate";
  await writeFile(path.join(repo.root, "environments", "other.json"), JSON.stringify(env, null, 2));
  await writeFile(path.join(repo.root, "environments", "other.tfvars"), 'environment = "other"\n');
}

/**
 * Real plans for the plan-directory boundary: test's state applied once (serial 1), then a
 * plan of one more item against it (.pipeline/plans/test), and a plan of `other` against its
 * empty state (.pipeline/plans/other).
 */
async function preparePlans(repo: TestRepo): Promise<void> {
  const common = { repoRoot: repo.root, vars: repo.vars };
  const first = await plan({ ...common, env: repo.env, outDir: path.join(repo.root, ".pipeline/plans/first") });
  await apply({ ...common, env: repo.env, planDir: first.outDir });
  await rm(first.outDir, { recursive: true });
  await writeVars(repo, 'environment = "test"\nitems = 4\n');
  await plan({ ...common, env: repo.env, outDir: path.join(repo.root, ".pipeline/plans/test") });
  const other = await loadEnvironment("other", { root: repo.root });
  await plan({ ...common, env: other, outDir: path.join(repo.root, ".pipeline/plans/other") });
}
