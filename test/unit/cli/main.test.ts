import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import type { CommandIO } from "../../../src/cli/command.js";

function capture(): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    log: (t) => stderr.push(t),
    env: {},
    cwd: path.resolve("."),
  };
}

describe("the core CLI", () => {
  it("lists its commands when called with no command, and exits 2", async () => {
    const io = capture();
    expect(await main([], io)).toBe(2);
    expect(io.stdout.join("\n")).toMatch(/Usage: ecs-pipeline <command>[\s\S]*validate-config[\s\S]*lint/);
  });

  it("refuses an unknown command with the list of known ones, as a user error (exit 2)", async () => {
    const io = capture();
    expect(await main(["deploy-everything"], io)).toBe(2);
    expect(io.stderr[0]).toMatch(
      /^Error: Unknown command "deploy-everything"\.\nHint: Commands: validate-config, lint/,
    );
  });

  it("refuses an unknown option with the command's usage", async () => {
    const io = capture();
    expect(await main(["validate-config", "--environment", "dev"], io)).toBe(2);
    expect(io.stderr[0]).toContain("Unknown option '--environment'");
    expect(io.stderr[0]).toContain("Usage: ecs-pipeline validate-config [--env NAME] [--json]");
  });

  it("validates one environment and prints what it found", async () => {
    const io = capture();
    expect(await main(["validate-config", "--env", "prod"], io)).toBe(0);
    expect(io.stdout).toEqual([
      "prod: ok (account 333333333333, eu-west-1; services open-webui, bedrock-gateway, mcpo)",
    ]);
  });

  it("turns a configuration error into one message with a hint and exit code 2, without a stack trace", async () => {
    const io = capture();
    expect(await main(["validate-config", "--env", "qa"], io)).toBe(2);
    expect(io.stderr).toEqual([
      'Error: Unknown environment "qa". Valid environments: dev, local, prod, staging.\nHint: Pass one of those names, or add environments/qa.json.',
    ]);
  });
});
