import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { requireTool } from "./tools.js";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Moto {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  endpoint: string;
  /** Drops every resource in every account and region: each test starts from nothing. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Environment for AWS SDK clients and CLI tools pointed at the emulator. Never real keys. */
export function motoCredentials(accountKey = "testing"): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: accountKey,
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "eu-west-1",
    AWS_DEFAULT_REGION: "eu-west-1",
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Starts moto (emulator/server.py) on a free loopback port, or uses the one in
 * MOTO_ENDPOINT (the Dagger `test` function binds it as a service). `env` reaches the moto
 * process, e.g. MOTO_ACCOUNT_ID.
 */
export async function startMoto(options: { env?: Record<string, string> } = {}): Promise<Moto> {
  const external = process.env.MOTO_ENDPOINT;
  if (external) {
    const moto = { endpoint: external.replace(/\/$/, ""), reset: () => reset(external), stop: async () => {} };
    await moto.reset();
    return moto;
  }
  const python = process.env.MOTO_PYTHON ?? requireTool("toolchain-python");
  const port = await freePort();
  const child = spawn(python, [path.join(here, "..", "..", "emulator", "server.py"), "--port", String(port)], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await waitForReady(child, port);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    reset: () => reset(endpoint),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function reset(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint.replace(/\/$/, "")}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
}

function waitForReady(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(
      () => reject(new Error(`moto did not start on port ${port} within 30s:\n${stderr}`)),
      30_000,
    );
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("READY")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`moto exited with code ${code} before it was ready:\n${stderr}`));
    });
  });
}
