/**
 * How long after a rollout really completes (or fails) does the deployer notice?
 *
 * Against the emulator (emulator/server.py), whose rollouts finish at a known
 * instant recorded in GET /_ecs_sim/timeline, this runs:
 *   - deployService with its default polling, for a good image (COMPLETED) and a bad one
 *     (circuit breaker FAILED + rollback), and
 *   - the AWS SDK's waitUntilServicesStable with its defaults, for the same good rollout,
 *     and once for the bad one to show what it reports.
 * Rollout durations are drawn at random (2-4 s) so polling cannot phase-lock with them.
 * Then one long rollout (--long-seconds, default 600: the target is stated over 10 minutes)
 * gives the DescribeServices calls per minute the target is about, and that rollout's lag;
 * --long-seconds 0 skips it.
 *
 * Run: PATH=$HOME/.cache/ecs-pipeline-toolchain/bin:$PATH npx tsx bench/deploy-notice.ts [--runs 10] [--waiter-runs 4] [--long-seconds 600]
 * This is a measurement, not a test: it prints figures and asserts nothing.
 */
import { waitUntilServicesStable } from "@aws-sdk/client-ecs";
import { parseArgs } from "node:util";
import { deployService } from "../src/ecs/deploy.js";
import type { EcsProgress } from "../src/ecs/progress.js";
import {
  CLUSTER,
  REPO,
  createService,
  ecsClient,
  localEnv,
  running,
  simulate,
  vars,
} from "../test/integration/ecs/fixture.js";
import { startFaultProxy, type FaultProxy } from "../test/support/fault-proxy.js";
import { startMoto, type Moto } from "../test/support/moto.js";

interface TimelineEntry {
  taskDefinition: string;
  state: "COMPLETED" | "FAILED";
  at: number;
}

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10" },
    "waiter-runs": { type: "string", default: "4" },
    "long-seconds": { type: "string", default: "600" },
  },
});
const runs = Number(values.runs);
const waiterRuns = Number(values["waiter-runs"]);
const longSeconds = Number(values["long-seconds"]);

async function timeline(moto: Moto): Promise<TimelineEntry[]> {
  return (await (await fetch(`${moto.endpoint}/_ecs_sim/timeline`)).json()) as TimelineEntry[];
}

async function fresh(moto: Moto, circuitBreaker: boolean, seconds = 2 + Math.random() * 2): Promise<void> {
  await moto.reset();
  await simulate(moto, "config", { rolloutSeconds: seconds, failSeconds: seconds });
  const ecs = ecsClient(moto);
  await createService(ecs, circuitBreaker ? { circuitBreaker: { enable: true, rollback: true } } : {});
  ecs.destroy();
}

/**
 * Milliseconds between the simulated rollout's end and the deployer's verdict, and how many
 * DescribeServices calls per minute it made while the rollout ran (counted by the fault proxy,
 * used here as a plain pass-through).
 */
async function deployerLag(
  moto: Moto,
  proxy: FaultProxy,
  image: string,
  rolloutSeconds?: number,
): Promise<{ lag: number; perMinute: number; calls: number }> {
  await fresh(moto, true, rolloutSeconds);
  let noticed = 0;
  let updatedAt = 0;
  const onProgress = (e: EcsProgress) => {
    if (e.kind === "step" && e.message.startsWith("service updated to") && updatedAt === 0) updatedAt = Date.now();
    const verdict = (e.kind === "step" && e.message.startsWith("rollout of")) || e.kind === "warning";
    if (verdict && noticed === 0) noticed = Date.now();
  };
  const env = await localEnv(moto);
  proxy.log.splice(0);
  await deployService({
    env: { ...env, aws: { ...env.aws, endpoint: proxy.endpoint } },
    service: "open-webui",
    image,
    credentials: { vars },
    onProgress,
    timing: { timeoutMs: Math.max(60, 2 * (rolloutSeconds ?? 0)) * 1000 },
  });
  const first = (await timeline(moto))[0];
  if (!first) throw new Error("the emulator recorded no rollout end");
  const calls = proxy.log.filter((l) => l.action === "DescribeServices" && l.at >= updatedAt && l.at <= noticed).length;
  return { lag: noticed - first.at * 1000, perMinute: (calls / Math.max(1, noticed - updatedAt)) * 60_000, calls };
}

/** The SDK waiter on a plain UpdateService: lag after completion, and what it says about the outcome. */
async function waiterLag(moto: Moto, image: string): Promise<{ lag: number; verdict: string; runs: string }> {
  await fresh(moto, true);
  const ecs = ecsClient(moto);
  const family = await ecs.registerTaskDefinition({
    family: "open-webui",
    containerDefinitions: [{ name: "open-webui", image, memory: 512 }],
  });
  await ecs.updateService({
    cluster: CLUSTER,
    service: "open-webui",
    taskDefinition: family.taskDefinition!.taskDefinitionArn!,
  });
  const result = await waitUntilServicesStable(
    { client: ecs, maxWaitTime: 300 },
    { cluster: CLUSTER, services: ["open-webui"] },
  );
  const noticed = Date.now();
  const now = await running(ecs);
  ecs.destroy();
  const first = (await timeline(moto))[0];
  if (!first) throw new Error("the emulator recorded no rollout end");
  return { lag: noticed - first.at * 1000, verdict: result.state, runs: now.split("/").pop() ?? now };
}

function summary(label: string, lags: number[]): string {
  const sorted = [...lags].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]!
      : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
  return `${label.padEnd(44)} runs ${String(lags.length).padStart(2)}  median ${s(median)}  worst ${s(sorted[sorted.length - 1]!)}`;
}

const moto = await startMoto();
const proxy = await startFaultProxy(moto.endpoint);
try {
  const ok: number[] = [];
  const failed: number[] = [];
  const perMinute: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const good = await deployerLag(moto, proxy, `${REPO}:v${i + 2}`);
    const bad = await deployerLag(moto, proxy, `${REPO}:bad-${i}`);
    ok.push(good.lag);
    failed.push(bad.lag);
    perMinute.push(good.perMinute, bad.perMinute);
    process.stderr.write(".");
  }
  const waiter: number[] = [];
  for (let i = 0; i < waiterRuns; i += 1) {
    waiter.push((await waiterLag(moto, `${REPO}:v${i + 2}`)).lag);
    process.stderr.write("w");
  }
  const bad = await waiterLag(moto, `${REPO}:bad`);
  const long = longSeconds > 0 ? await deployerLag(moto, proxy, `${REPO}:v100`, longSeconds) : undefined;
  process.stderr.write("\n");
  console.log("Time from the rollout's real end (emulator clock) to the verdict:");
  console.log(summary("deployService, rollout COMPLETED", ok));
  console.log(summary("deployService, circuit breaker FAILED", failed));
  console.log(summary("SDK waitUntilServicesStable, COMPLETED", waiter));
  const mean = perMinute.reduce((a, b) => a + b, 0) / Math.max(1, perMinute.length);
  console.log(
    `deployService DescribeServices calls per minute over these 2-4 s rollouts: mean ${mean.toFixed(1)}, max ${Math.max(...perMinute).toFixed(1)}`,
  );
  if (long)
    console.log(
      `deployService over one ${longSeconds} s rollout: ${long.calls} DescribeServices calls, ${long.perMinute.toFixed(1)} per minute (target: at most 30, one call every 2 s); verdict ${(long.lag / 1000).toFixed(2)}s after the end`,
    );
  console.log(
    `SDK waiter on the FAILED rollout: returned ${bad.verdict} ${(bad.lag / 1000).toFixed(2)}s after the failure, with the service back on ${bad.runs} (a rolled-back deploy reported as success)`,
  );
} finally {
  await proxy.stop();
  await moto.stop();
}
