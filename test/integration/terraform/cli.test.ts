import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { makeRepo, type TestRepo } from "./harness.js";

let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

function io(repo: TestRepo): CommandIO & { output: string[]; logs: string[] } {
  const output: string[] = [];
  const logs: string[] = [];
  return { output, logs, out: (t) => output.push(t), log: (t) => logs.push(t), env: repo.vars, cwd: repo.root };
}

describe("the plan and apply verbs", () => {
  it("plan prints the summary and where the plan is; apply --confirm applies it and lists what changed", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint, approval: true });
    const planIo = io(repo);
    expect(await main(["plan", "--env", "test", "--out", "out/plan"], planIo)).toBe(0);
    expect(planIo.output.join("\n")).toContain("**Plan: 3 to add, 0 to change, 0 to destroy.**");
    expect(planIo.output.join("\n")).toContain(`Plan written to ${repo.root}/out/plan`);
    expect(planIo.logs.some((l) => l.startsWith("acting as arn:aws:"))).toBe(true);

    const refused = io(repo);
    expect(await main(["apply", "--env", "test", "--plan", "out/plan"], refused)).toBe(2);
    expect(refused.logs.join("\n")).toContain("Hint: Review the plan summary, then pass --confirm test.");

    const applyIo = io(repo);
    expect(await main(["apply", "--env", "test", "--plan", "out/plan", "--confirm", "test"], applyIo)).toBe(0);
    expect(applyIo.output[0]).toMatch(/^Applied to test \(account 123456789012, as arn:aws:.*\): 3 added, 0 changed, 0 destroyed\./);
    expect(applyIo.output[0]).toContain("create  terraform_data.item[2]");
  });

  it("exits with the user-error code and the account hint when the credentials are in another account", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint, accountId: "210987654321" });
    const run = io(repo);
    expect(await main(["plan", "--env", "test", "--json"], run)).toBe(2);
    expect(run.logs.join("\n")).toMatch(/credentials belong to account 123456789012 .* test is account 210987654321/);
    expect(run.output).toEqual([]);
  });

  it("rejects a lock timeout that is not whole seconds", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const run = io(repo);
    expect(await main(["plan", "--env", "test", "--lock-timeout", "5m"], run)).toBe(2);
    expect(run.logs.join("\n")).toContain('--lock-timeout: found "5m", expected whole seconds');
  });
});

describe("the plan output directory", () => {
  it("is never a directory that holds something other than an earlier plan", async () => {
    const repo = await makeRepo({ endpoint: moto.endpoint });
    const run = io(repo);
    expect(await main(["plan", "--env", "test", "--out", "terraform"], run)).toBe(2);
    expect(run.logs.join("\n")).toContain("it holds the repository or the Terraform root");
    expect(await main(["plan", "--env", "test", "--out", "out"], io(repo))).toBe(0);
    expect(await main(["plan", "--env", "test", "--out", "out"], io(repo))).toBe(0);
  });
});
