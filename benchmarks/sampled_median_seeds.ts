/**
 * The sampled median's score spread over seeds (issue 12): on one dataset, the full dendrogram of the exact
 * median once and of the sampled median for each seed, each cut at its best threshold (an oracle) and at a
 * fixed one, with BCubed F and the CPU seconds of each run (same process, so the ratio is same-run).
 *
 * Run: `deno run -A benchmarks/sampled_median_seeds.ts [--data DIR | --preset tiny] [--seeds 0,1,2,3,4,5,6,7]
 *       [--sample-pairs 64] [--fixed 0.5]` (faces only, no first pass)
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { cutDendrogram, hac, type Linkage } from "../algorithms/hac/mod.ts";
import { clusteringMetrics } from "../algorithms/metrics/mod.ts";
import { observationLabels, secondPassInput } from "../algorithms/clustering/mod.ts";
import { clusterInputFromDataset } from "../datasets/cluster_input.ts";
import { readDataset } from "../datasets/io.ts";
import { generateLibraryInMemory, PRESETS, resolveConfig } from "../datasets/synthetic/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string" },
    preset: { type: "string", default: "tiny" },
    seeds: { type: "string", default: "0,1,2,3,4,5,6,7" },
    "sample-pairs": { type: "string", default: "64" },
    fixed: { type: "string", default: "0.5" },
  },
});
const dataset = values.data
  ? await readDataset(values.data)
  : generateLibraryInMemory(resolveConfig(PRESETS[values.preset === "small" ? "small" : "tiny"], { seed: 1 }));
const sp = secondPassInput(clusterInputFromDataset(dataset), null);
const truth = dataset.observations.identity.codes;
const n = sp.items.length, fixed = Number(values.fixed), samplePairs = Number(values["sample-pairs"]);
const grid: number[] = [];
for (let t = 0.05; t <= 1.2 + 1e-9; t += 0.0125) grid.push(Math.round(t * 10000) / 10000);

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function run(linkage: Linkage, seed: number) {
  const c0 = cpuSeconds();
  const r = hac(sp.vectors, sp.dim, { linkage, seed, samplePairs });
  const cpu = cpuSeconds() - c0;
  const f = (t: number) => clusteringMetrics(observationLabels(sp, cutDendrogram(r.merges, n, t)), truth).bcubed.f1;
  let best = { t: NaN, f: -1 };
  for (const t of grid) {
    const v = f(t);
    if (v > best.f) best = { t, f: v };
  }
  return { linkage, seed, cpu, inversions: r.inversions, bestT: best.t, bestF: best.f, fixedF: f(fixed) };
}

// Warm-up (JIT) of both linkages on part of the data, untimed.
for (const linkage of ["median", "median-sampled"] as const) {
  hac(sp.vectors.subarray(0, Math.min(n, 1000) * sp.dim), sp.dim, { linkage, samplePairs });
}
console.log(`# sampled median over seeds: ${values.data ?? values.preset}, n = ${n}, S = ${samplePairs}`);
console.log(
  "| linkage | seed | cpu s | inversions | best t (oracle) | BCubed F (best) | BCubed F (t = " + fixed + ") |",
);
console.log("|---|---|---|---|---|---|---|");
// The exact median before and after the seeds (load drifts on a shared machine): its CPU is the mean of both.
const exactBefore = run("median", 0);
const rows = [exactBefore];
for (const seed of values.seeds.split(",").map(Number)) rows.push(run("median-sampled", seed));
rows[0] = { ...exactBefore, cpu: (exactBefore.cpu + run("median", 0).cpu) / 2 };
for (const r of rows) {
  console.log(
    `| ${r.linkage} | ${r.linkage === "median" ? "–" : r.seed} | ${r.cpu.toFixed(2)} | ${r.inversions} | ` +
      `${r.bestT} | ${r.bestF.toFixed(4)} | ${r.fixedF.toFixed(4)} |`,
  );
}
const sampled = rows.slice(1);
const span = (k: "bestF" | "fixedF") => {
  const v = sampled.map((r) => r[k]);
  return `${Math.min(...v).toFixed(4)}–${Math.max(...v).toFixed(4)}`;
};
const cpuRatio = sampled.map((r) => r.cpu).sort((a, b) => a - b)[sampled.length >> 1]! / rows[0]!.cpu;
console.log(
  `\nsampled median over ${sampled.length} seeds: BCubed F (best) ${span("bestF")}, at t = ${fixed} ` +
    `${span("fixedF")}; median CPU ${cpuRatio.toFixed(2)}× the exact median's (same run)`,
);
