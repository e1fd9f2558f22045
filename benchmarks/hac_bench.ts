/**
 * HAC benchmark: time and peak memory per linkage on random unit vectors (d = 128) at N = 2k, 5k, 10k, 20k,
 * with ratios to our own average linkage measured in the same run; the per-merge time distribution
 * (p50/p99) of exact vs sampled median; N = 100k at threshold 0.6 in sparse (component) mode; and the
 * distance-kernel comparison (typed-array loop vs onnxruntime Gemm).
 *
 * Run: `deno run -A benchmarks/hac_bench.ts [--sizes 2000,5000,10000,20000] [--linkages average,median,...]
 *       [--sparse-n 100000] [--sparse-threshold 0.6] [--kernels 5000] [--threads N] [--layout condensed]
 *       [--algorithm auto] [--kernel wasm] [--embeddings FILE.npy ...]
 *       [--timeout 900] [--json FILE]`
 * (`--threads`: onnxruntime intra-op threads for the dense cells' distance matrix and worker threads of the
 * batched Lance–Williams core [available cores]; `--layout condensed|tiled`: the dense matrix's memory layout
 * [condensed]; `--algorithm auto|nn-chain|rnn-batch|sweep|generic`: merge loop (`HacOptions.algorithm`: rnn-batch or
 * nn-chain for single/complete/average, sweep or generic for the median) [auto];
 * `--embeddings FILE.npy` (repeatable): also every linkage on a real embedding matrix, e.g. `pb embed`'s
 * face.npy of celeb24; `--kernel wasm|onnxruntime`: the dense cells' distance kernel [wasm: the library's default, split over
 * the threads, no onnxruntime in the process])
 *
 * Every cell runs in its own child process so that its peak RSS is its own. Per-merge times use the
 * process CPU clock (immune to other processes taking the CPU on a shared machine); wall time is reported
 * too. Targets (issue 3): average N = 20k ≤ 9 s and ≤ 900 MB; exact median ≤ 3× average; sampled-median
 * per-merge p99 ≤ 3× its median; 100k sparse ≤ 60 s and ≤ 3 GB.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import {
  condensedCosineDistances,
  condensedCosineDistancesAsync,
  condensedLayout,
  createWasmSimdGemm,
  JS_GEMM,
  layoutCosineDistances,
  layoutCosineDistancesAsync,
  thresholdEdgesAsync,
  thresholdEdgesParallel,
  tiledLayout,
} from "../algorithms/distance/mod.ts";
import { type Algorithm, ALGORITHMS, hac, hacAsync, type Linkage, SPARSE_EDGE_MARGIN } from "../algorithms/hac/mod.ts";
import { Rng } from "../algorithms/random/rng.ts";
import { readEmbeddingMatrix } from "../datasets/cluster_input.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { availableCores } from "../base/cores.ts";
import { createOrtGemm } from "../pipeline/onnx/ort_gemm.ts";
import { loadAverage, peakRssMb } from "./runner/env.ts";
import { quantileSorted } from "../algorithms/metrics/quantile.ts";

const DIM = 128;

/** Seeded random unit vectors (Gaussian directions). */
export function randomUnitVectors(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) {
      const v = rng.normal();
      out[i * dim + k] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let k = 0; k < dim; k++) out[i * dim + k]! *= inv;
  }
  return out;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** One dense cell: distances by onnxruntime, then HAC, per-merge CPU times. */
async function denseCell(
  n: number,
  linkage: Linkage,
  samplePairs: number,
  threads: number,
  layoutKind: "tiled" | "condensed",
  algorithm: Algorithm,
  kernel: "wasm" | "onnxruntime",
  embeddings?: string,
): Promise<Record<string, unknown>> {
  let x: Float32Array, dim = DIM;
  if (embeddings) {
    // Real embeddings (e.g. `pb embed`'s face.npy): rows normalised as `pb cluster` does.
    const m = await readEmbeddingMatrix(embeddings);
    x = m.vectors;
    dim = m.dim;
    n = m.n;
  } else x = randomUnitVectors(n, DIM, 1);
  // Warm-up (untimed): the same linkage on a small input, so the JIT's tier-up — compiled on V8's background
  // threads, whose CPU time the process clock counts — does not land in the first measured merges. Small N
  // (sub-millisecond merges) warms up on up to 2,000 points; large N on 1,000, so that the peak RSS stays
  // the measured run's own (a 2,000-point warm-up left ≈ 15 MB behind at 20k).
  const warmUp = n <= 5000 ? Math.min(n, 2000) : 1000;
  hac(randomUnitVectors(warmUp, DIM, 2), DIM, { linkage, samplePairs, seed: 1, algorithm });
  const w0 = performance.now(), c0 = cpuSeconds();
  const layout = layoutKind === "tiled" ? tiledLayout(n) : condensedLayout(n);
  let distances: Float32Array, gemmName: string;
  if (kernel === "wasm") {
    // The default kernel, split over worker threads (no onnxruntime in the process at all).
    distances = layoutCosineDistances(x, dim, layout, { threads, shared: threads > 1 });
    gemmName = `wasm-simd(threads=${threads})`;
  } else {
    const gemm = await createOrtGemm({ threads });
    distances = await layoutCosineDistancesAsync(x, dim, layout, { gemm, shared: threads > 1 });
    await gemm.trim?.(); // as hacAsync does: the GEMM's working memory goes before the merges
    gemmName = gemm.name;
  }
  const distWall = (performance.now() - w0) / 1000;
  const r = hac(x, dim, {
    linkage,
    samplePairs,
    seed: 1,
    distances,
    layout: layoutKind,
    algorithm,
    threads,
    clock: () => cpuSeconds() * 1000,
  });
  const wall = (performance.now() - w0) / 1000, cpu = cpuSeconds() - c0;
  const per = Float64Array.from(r.iterations.seconds).sort();
  const reads = r.iterations.pairDistances.reduce((a, b) => a + b, 0);
  return {
    kind: "dense",
    n,
    linkage,
    wall_s: wall,
    cpu_s: cpu,
    distances_wall_s: distWall,
    peak_rss_mb: peakRssMb(),
    inversions: r.inversions,
    merges: r.merges.length / 4,
    merge_p50_ms: quantileSorted(per, 0.5) * 1000,
    merge_p99_ms: quantileSorted(per, 0.99) * 1000,
    merge_max_ms: quantileSorted(per, 1) * 1000,
    pair_distances: reads,
    gemm: gemmName,
    layout: layoutKind,
    algorithm,
    threads,
  };
}

/** The sparse cell: threshold graph by onnxruntime, components, exact HAC per component. */
async function sparseCell(
  n: number,
  linkage: Linkage,
  threshold: number,
  threads: number,
  kernel: "wasm" | "onnxruntime",
): Promise<Record<string, unknown>> {
  const x = randomUnitVectors(n, DIM, 2);
  const w0 = performance.now(), c0 = cpuSeconds();
  // The graph alone first (timed separately), then HAC on it, the components' matrices by the same kernel
  // (so a pair rounds the same way in the graph and in its component).
  let r, edges, gemmName: string;
  let graphWall: number;
  if (kernel === "wasm") {
    edges = await thresholdEdgesParallel(x, DIM, threshold + SPARSE_EDGE_MARGIN, { threads });
    graphWall = (performance.now() - w0) / 1000;
    r = hac(x, DIM, { linkage, threshold, mode: "sparse", edges, threads });
    gemmName = `wasm-simd(threads=${threads})`;
  } else {
    const gemm = await createOrtGemm({ threads });
    edges = await thresholdEdgesAsync(x, DIM, threshold + SPARSE_EDGE_MARGIN, { gemm });
    graphWall = (performance.now() - w0) / 1000;
    r = await hacAsync(x, DIM, { linkage, threshold, mode: "sparse", edges, asyncGemm: gemm, threads });
    gemmName = gemm.name;
  }
  return {
    kind: "sparse",
    n,
    linkage,
    threshold,
    wall_s: (performance.now() - w0) / 1000,
    cpu_s: cpuSeconds() - c0,
    graph_wall_s: graphWall,
    edges: edges.i.length,
    components: r.components,
    clusters: new Set(r.labels).size,
    peak_rss_mb: peakRssMb(),
    gemm: gemmName,
  };
}

/** Distance-kernel comparison: full condensed matrix at n, GFLOP/s per provider. */
async function kernelCell(n: number): Promise<Record<string, unknown>> {
  const x = randomUnitVectors(n, DIM, 3);
  const flops = n * n * DIM; // upper block triangle ≈ n²/2 products of 2·d flops
  const out: Record<string, unknown> = { kind: "kernels", n };
  const c0 = cpuSeconds();
  const ref = condensedCosineDistances(x, DIM, { gemm: JS_GEMM });
  out["js-blocked"] = { cpu_s: cpuSeconds() - c0, gflops: flops / (cpuSeconds() - c0) / 1e9 };
  const wasm = createWasmSimdGemm();
  if (wasm) {
    condensedCosineDistances(x.subarray(0, 512 * DIM), DIM, { gemm: wasm }); // warm-up
    const c1 = cpuSeconds();
    const d = condensedCosineDistances(x, DIM, { gemm: wasm });
    const cpu = cpuSeconds() - c1;
    let maxDiff = 0;
    for (let i = 0; i < d.length; i++) maxDiff = Math.max(maxDiff, Math.abs(d[i]! - ref[i]!));
    out[wasm.name] = { cpu_s: cpu, gflops: flops / cpu / 1e9, max_abs_diff: maxDiff };
  } else out["wasm-simd"] = { error: "WebAssembly SIMD unavailable" };
  for (const threads of [1, 2]) {
    const gemm = await createOrtGemm({ threads });
    await condensedCosineDistancesAsync(x.subarray(0, 512 * DIM), DIM, { gemm }); // warm-up
    const w = performance.now(), c = cpuSeconds();
    const d = await condensedCosineDistancesAsync(x, DIM, { gemm });
    const wall = (performance.now() - w) / 1000;
    let maxDiff = 0;
    for (let i = 0; i < d.length; i++) maxDiff = Math.max(maxDiff, Math.abs(d[i]! - ref[i]!));
    out[gemm.name] = { wall_s: wall, cpu_s: cpuSeconds() - c, gflops_wall: flops / wall / 1e9, max_abs_diff: maxDiff };
  }
  return out;
}

async function child(spec: string): Promise<void> {
  const [kind, a, b, c, e] = spec.split(":");
  let result: Record<string, unknown>;
  if (spec.startsWith("real|")) {
    const [, path, linkage, pairs, threads, kernel] = spec.split("|");
    result = await denseCell(
      0,
      linkage as Linkage,
      Number(pairs),
      Number(threads),
      "condensed",
      "auto",
      kernel as "wasm",
      path,
    );
    result.embeddings = path;
  } else if (kind === "dense") {
    const [, , , , , layout, algorithm, kernel] = spec.split(":");
    result = await denseCell(
      Number(a),
      b as Linkage,
      Number(c),
      Number(e ?? 1),
      layout as "tiled",
      algorithm as Algorithm,
      (kernel ?? "wasm") as "wasm",
    );
  } else if (kind === "sparse") {
    const [, , , , threads, kernel] = spec.split(":");
    result = await sparseCell(Number(a), b as Linkage, Number(c), Number(threads ?? 1), (kernel ?? "wasm") as "wasm");
  } else result = await kernelCell(Number(a));
  console.log(JSON.stringify(result));
}

async function runChild(spec: string, timeoutS: number): Promise<Record<string, unknown>> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--cell", spec],
    stdout: "piped",
    stderr: "piped",
  });
  const proc = cmd.spawn();
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutS * 1000);
  const out = await proc.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success || !text.startsWith("{")) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-1)[0] ?? "";
    return { spec, error: out.signal === "SIGKILL" ? `timeout after ${timeoutS} s` : `exit ${out.code}: ${err}` };
  }
  return JSON.parse(text);
}

function fmt(x: unknown, digits = 2): string {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      cell: { type: "string" },
      sizes: { type: "string", default: "2000,5000,10000,20000" },
      linkages: { type: "string", default: "single,complete,average,median,median-sampled" },
      "sample-pairs": { type: "string", default: "64" },
      "sparse-n": { type: "string", default: "100000" },
      "sparse-threshold": { type: "string", default: "0.6" },
      kernels: { type: "string", default: "5000" },
      timeout: { type: "string", default: "900" },
      // All available cores, as `pb cluster` (each worker is a V8 isolate, ≈ 10 MB: the 20k memory target of
      // 900 MB was set for 2 threads, pass --threads 2 on a bigger machine to measure it as set).
      threads: { type: "string", default: String(availableCores()) },
      layout: { type: "string", default: "condensed" },
      algorithm: { type: "string", default: "auto" },
      kernel: { type: "string", default: "wasm" },
      embeddings: { type: "string", multiple: true, default: [] },
      json: { type: "string" },
    },
  });
  if (values.cell) return await child(values.cell);
  if (!ALGORITHMS.includes(values.algorithm as Algorithm)) {
    console.error(`hac_bench: --algorithm must be one of ${ALGORITHMS.join(", ")}, got ${values.algorithm}`);
    Deno.exit(2);
  }
  const sizes = values.sizes!.split(",").filter(Boolean).map(Number);
  const linkages = values.linkages!.split(",").filter(Boolean) as Linkage[];
  // Average runs first in every size: it is the baseline of every ratio.
  const order = ["average", ...linkages.filter((l) => l !== "average")] as Linkage[];
  const timeout = Number(values.timeout);
  const results: Record<string, unknown>[] = [];
  console.log(
    `# HAC benchmark, d = ${DIM}, threads ${values.threads}, layout ${values.layout}, algorithm ${values.algorithm}, ` +
      `kernel ${values.kernel}, load average ${loadAverage().join(" ")}`,
  );
  if (Number(values.kernels) > 0) {
    const k = await runChild(`kernels:${values.kernels}`, timeout);
    results.push(k);
    console.log(`\n## distance kernels, condensed matrix at n = ${values.kernels}`);
    for (const [name, v] of Object.entries(k)) {
      if (typeof v === "object" && v) console.log(`${name.padEnd(30)} ${JSON.stringify(v)}`);
    }
  }
  console.log(
    "\n## dense HAC (full dendrogram)\n" +
      "| N | linkage | wall s | cpu s | × average (cpu) | peak MB | × average (mem) | merge p50 ms | p99 ms | p99/p50 | inversions |\n" +
      "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const n of sizes) {
    let base: Record<string, unknown> | undefined;
    for (const linkage of order) {
      const r = await runChild(
        `dense:${n}:${linkage}:${
          values["sample-pairs"]
        }:${values.threads}:${values.layout}:${values.algorithm}:${values.kernel}`,
        timeout,
      );
      r.n = n;
      r.linkage = linkage;
      results.push(r);
      if (linkage === "average") base = r;
      const ratio = (k: string) =>
        base && typeof r[k] === "number" && typeof base[k] === "number" ? (r[k] as number) / (base[k] as number) : NaN;
      const p50 = r.merge_p50_ms as number, p99 = r.merge_p99_ms as number;
      console.log(
        r.error
          ? `| ${n} | ${linkage} | ${r.error} |||||||||`
          : `| ${n} | ${linkage} | ${fmt(r.wall_s)} | ${fmt(r.cpu_s)} | ${fmt(ratio("cpu_s"))} | ${
            fmt(r.peak_rss_mb, 0)
          } | ${fmt(ratio("peak_rss_mb"))} | ${fmt(p50, 3)} | ${fmt(p99, 3)} | ${
            fmt(p99 / p50, 1)
          } | ${r.inversions} |`,
      );
    }
  }
  for (const path of values.embeddings as string[]) {
    console.log(
      `\n## real embeddings: ${path}\n` +
        "| N | linkage | wall s | cpu s | × average (cpu) | peak MB | merge p50 ms | p99 ms | p99/p50 | inversions |\n" +
        "|---|---|---|---|---|---|---|---|---|---|",
    );
    let base: Record<string, unknown> | undefined;
    for (const linkage of order) {
      const r = await runChild(
        `real|${path}|${linkage}|${values["sample-pairs"]}|${values.threads}|${values.kernel}`,
        timeout,
      );
      r.linkage = linkage;
      results.push(r);
      if (linkage === "average") base = r;
      const ratio = base && typeof r.cpu_s === "number" ? (r.cpu_s as number) / (base.cpu_s as number) : NaN;
      const p50 = r.merge_p50_ms as number, p99 = r.merge_p99_ms as number;
      console.log(
        r.error
          ? `| – | ${linkage} | ${r.error} ||||||||`
          : `| ${r.n} | ${linkage} | ${fmt(r.wall_s)} | ${fmt(r.cpu_s)} | ${fmt(ratio)} | ${fmt(r.peak_rss_mb, 0)} | ${
            fmt(p50, 3)
          } | ${fmt(p99, 3)} | ${fmt(p99 / p50, 1)} | ${r.inversions} |`,
      );
    }
  }
  const sparseN = Number(values["sparse-n"]);
  if (sparseN > 0) {
    const r = await runChild(
      `sparse:${sparseN}:average:${values["sparse-threshold"]}:${values.threads}:${values.kernel}`,
      timeout,
    );
    results.push(r);
    console.log(`\n## sparse mode, N = ${sparseN}, threshold ${values["sparse-threshold"]}, average linkage`);
    console.log(
      r.error
        ? r.error
        : `wall ${fmt(r.wall_s)} s (graph ${fmt(r.graph_wall_s)} s), cpu ${fmt(r.cpu_s)} s, peak ${
          fmt(r.peak_rss_mb, 0)
        } MB, ${r.edges} edges, ${r.components} components, ${r.clusters} clusters`,
    );
  }
  console.log(`\nload average at the end: ${loadAverage().join(" ")}`);
  if (values.json) await writeFileAtomic(values.json, JSON.stringify(results, null, 2) + "\n");
}

if (import.meta.main) await main();
