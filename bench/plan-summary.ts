/**
 * Times plan summary rendering and splitting on generated plans of 100, 1,000 and 10,000
 * resource changes, and reports peak memory. Each size runs in a fresh child process so
 * its peak RSS is its own.
 *
 *   npx tsx bench/plan-summary.ts            all sizes
 *   npx tsx bench/plan-summary.ts 50000      other sizes
 */
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { summaryParts } from "../src/terraform/render.js";
import { summarizePlan } from "../src/terraform/summary.js";
import { generatePlan } from "../test/fixtures/terraform/generate-plan.js";

const RUNS = 5;
/** Per-resource before/after padding: real AWS resources carry 1-3 KB of attributes each. */
const ATTRIBUTE_BYTES = 1_500;

interface Sample {
  resources: number;
  jsonBytes: number;
  parts: number;
  medianMs: { parse: number; summarize: number; renderAndSplit: number; total: number };
  peakRssMiB: number;
  peakHeapMiB: number;
}

function measure(resources: number): Sample {
  const json = JSON.stringify(generatePlan({ resources, attributeBytes: ATTRIBUTE_BYTES }));
  const times: Sample["medianMs"][] = [];
  let peakHeap = 0;
  let parts = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const parsed: unknown = JSON.parse(json);
    const t1 = performance.now();
    const summary = summarizePlan(parsed);
    const t2 = performance.now();
    parts = summaryParts(summary, { env: "bench", account: "123456789012", fingerprint: "0".repeat(64) }).length;
    const t3 = performance.now();
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    times.push({ parse: t1 - t0, summarize: t2 - t1, renderAndSplit: t3 - t2, total: t3 - t0 });
  }
  const median = (k: keyof Sample["medianMs"]) =>
    times.map((t) => t[k]).sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
  return {
    resources,
    jsonBytes: json.length,
    parts,
    medianMs: {
      parse: median("parse"),
      summarize: median("summarize"),
      renderAndSplit: median("renderAndSplit"),
      total: median("total"),
    },
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    peakHeapMiB: peakHeap / 1024 / 1024,
  };
}

const args = process.argv.slice(2);
if (args[0] === "--one") {
  process.stdout.write(JSON.stringify(measure(Number(args[1]))));
} else {
  const sizes = args.length ? args.map(Number) : [100, 1_000, 10_000];
  const self = fileURLToPath(import.meta.url);
  const rows = sizes.map(
    (n) =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", self, "--one", String(n)], { encoding: "utf8" }),
      ) as Sample,
  );
  console.log(
    `plan summary benchmark (median of ${RUNS} runs; ~${ATTRIBUTE_BYTES} B of attributes per resource; node ${process.version}; each size in its own process)`,
  );
  console.log(
    "resources  plan JSON   parts  parse ms  summarize ms  render+split ms  total ms  peak RSS MiB  peak heap MiB",
  );
  for (const r of rows) {
    console.log(
      [
        String(r.resources).padStart(9),
        `${(r.jsonBytes / 1024 / 1024).toFixed(2)} MiB`.padStart(10),
        String(r.parts).padStart(6),
        r.medianMs.parse.toFixed(1).padStart(9),
        r.medianMs.summarize.toFixed(1).padStart(13),
        r.medianMs.renderAndSplit.toFixed(1).padStart(16),
        r.medianMs.total.toFixed(1).padStart(9),
        r.peakRssMiB.toFixed(0).padStart(13),
        r.peakHeapMiB.toFixed(0).padStart(14),
      ].join(" "),
    );
  }
}
