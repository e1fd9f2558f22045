/**
 * `pb cluster`: two-pass clustering of a dataset (greedy first pass on fused face + body distances,
 * then face HAC) or HAC of a bare embedding matrix, with labels, merges and per-merge timings written out.
 * @module
 */
import process from "node:process";
import { observationLabels, secondPassInput } from "../../algorithms/clustering/two_pass.ts";
import { type ClusterInput, greedyFirstPass } from "../../algorithms/clustering/greedy.ts";
import { createWasmSimdGemm, DEFAULT_FUSION, JS_GEMM, thresholdEdgesParallel } from "../../algorithms/distance/mod.ts";
import {
  type Algorithm,
  ALGORITHMS,
  DENSE_LIMIT,
  hac,
  hacAsync,
  type Linkage,
  LINKAGES,
  SPARSE_EDGE_MARGIN,
} from "../../algorithms/hac/mod.ts";
import { clusteringMetrics } from "../../algorithms/metrics/mod.ts";
import { peakRssMb } from "../../benchmarks/runner/env.ts";
import {
  datasetFaceModel,
  fileSha256,
  type ModelKey,
  resolveAutoThreshold,
} from "../../benchmarks/calibration/thresholds.ts";
import { timeOrder } from "../../algorithms/clustering/order.ts";
import { basename } from "node:path";
import { clusterInputFromDataset, readEmbeddingMatrix } from "../../datasets/cluster_input.ts";
import { availableCores } from "../../base/cores.ts";
import { UsageError } from "../../base/errors.ts";
import { readDataset } from "../../datasets/io.ts";
import { writeLabels } from "../../datasets/labels.ts";
import { writeNpy } from "../../datasets/npy.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import { choice, type Command, flag, num, optNum, optStr } from "../command.ts";
import { dedent } from "../help.ts";

/** CPU seconds of this process (every thread), user + system. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** onnxruntime's Gemm for the distance blocks, loaded only when asked for (keeps `pb` startup light). */
async function ortGemm(threads: number) {
  const { createOrtGemm } = await import("../../pipeline/onnx/ort_gemm.ts");
  return await createOrtGemm({ threads });
}

function readableSha256(path: string): string {
  try {
    return fileSha256(path);
  } catch (e) {
    throw new UsageError(`--face-model ${path}: cannot read it (${(e as Error).message.split("\n")[0]})`);
  }
}

const FIRST_PASSES = ["none", "greedy"] as const;
const MODES = ["auto", "dense", "sparse"] as const;
const GEMMS = ["wasm", "onnxruntime", "js"] as const;

/**
 * Every default of `pb cluster`: the help text and the parser both read this object, so `--help` always names
 * the value the code uses. The defaults are the fast path: no first pass, the WebAssembly SIMD kernel split over
 * threads, all available cores (the result is the same for any thread count).
 */
export const CLUSTER_DEFAULTS = {
  firstPass: "none" as typeof FIRST_PASSES[number],
  firstThreshold: 0.3,
  alpha: DEFAULT_FUSION.alpha,
  beta: DEFAULT_FUSION.beta,
  samplePairs: 64,
  seed: 0,
  mode: "auto" as typeof MODES[number],
  gemm: "wasm" as typeof GEMMS[number],
  threads: availableCores(),
  algorithm: "auto" as Algorithm,
} as const;

const D = CLUSTER_DEFAULTS;

/** The `pb cluster` command. */
export const clusterCommand: Command = {
  name: "cluster",
  summary: D.firstPass === "greedy"
    ? "cluster observations: greedy first pass on face+body, then HAC with any linkage"
    : "cluster observations: HAC with any linkage (optionally after a greedy first pass on face+body)",
  usage:
    "(--data DIR | --embeddings FILE.npy) --linkage L [--threshold T|auto] [--face-model M] [--first-pass greedy|none] " +
    "[--first-threshold T1 --alpha A --beta B] [--sample-pairs S] [--seed N] [--threads N] " +
    "[--algorithm auto|rnn-batch|nn-chain|sweep|generic] [--out labels.csv] " +
    "[--merges merges.npy] [--iterations iterations.csv] [--json]",
  description: dedent`
    Linkages: ${[...LINKAGES.values()].map((s) => `${s.id} (${s.description})`).join("; ")}.
    Without --threshold the full dendrogram is built (--merges gets n − 1 rows) and every item ends in one
    cluster; with it, merging stops above T. Distances are cosine (1 − cos) on L2-normalised rows; rows of a
    bare .npy that are not unit length are normalised (the count is reported). The first pass needs a
    dataset for bodies and moments; on a bare .npy it runs on faces only. Rows without capture times (every
    row of a .npy) go through it in an order shuffled with --seed, never in file order (may be sorted by identity).
    Mode auto uses the sparse threshold-graph mode above ${DENSE_LIMIT} items when a threshold is given.
    --threads splits the distance products and the batched single/complete/average merges over threads
    (same result for any count); --algorithm nn-chain runs SciPy's one-merge-at-a-time loop instead.
  `,
  options: {
    data: { type: "string", value: "DIR", help: "dataset folder (format v1)" },
    embeddings: { type: "string", value: "FILE", help: "bare n × d .npy of embeddings (float32/float64)" },
    linkage: { type: "string", value: "L", help: `HAC linkage: ${[...LINKAGES.keys()].join(", ")}` },
    threshold: {
      type: "string",
      value: "T",
      help: "stop merging above this distance; auto = calibrated for the face model (dataset.json's, or " +
        "--face-model), else tuned on a dev split of the identities [none: full dendrogram]",
    },
    "face-model": {
      type: "string",
      value: "M",
      help: "model the --embeddings came from (name or PATH.onnx), for --threshold auto",
    },
    "first-pass": { type: "string", value: "P", help: `${FIRST_PASSES.join(" or ")} [${D.firstPass}]` },
    "first-threshold": { type: "string", value: "T1", help: `greedy first-pass join threshold [${D.firstThreshold}]` },
    alpha: { type: "string", value: "A", help: `face weight in the fused term [${D.alpha}]` },
    beta: { type: "string", value: "B", help: `body weight in the fused term; 0 = faces only [${D.beta}]` },
    "no-moment-gate": { type: "boolean", help: "compare bodies across moments too [off]" },
    "sample-pairs": {
      type: "string",
      value: "S",
      help: `median-sampled: ≈ ⌈√S⌉ sampled members per cluster [${D.samplePairs}]`,
    },
    seed: {
      type: "string",
      value: "N",
      help: `seed of median-sampled, of the order of rows without times and of the dev split [${D.seed}]`,
    },
    mode: { type: "string", value: "M", help: `${MODES.join(", ")} [${D.mode}]` },
    gemm: {
      type: "string",
      value: "G",
      help: "distance kernel: wasm (WebAssembly SIMD, split over --threads), onnxruntime or js (typed-array " +
        `loop) [${D.gemm}]`,
    },
    threads: {
      type: "string",
      value: "N",
      help: `threads for distances and batched merges [available cores: ${D.threads}]`,
    },
    algorithm: {
      type: "string",
      value: "A",
      help: "merge loop: rnn-batch or nn-chain (single/complete/average), sweep or generic (median, " +
        `median-sampled); another is an error [${D.algorithm} = rnn-batch / sweep]`,
    },
    out: { type: "string", value: "FILE", help: "write labels (id,cluster CSV, or .npy)" },
    merges: { type: "string", value: "FILE", help: "write merges as float64 m × 4 .npy (scipy linkage format)" },
    iterations: { type: "string", value: "FILE", help: "write per-merge timings CSV (iteration,seconds,...)" },
    json: { type: "boolean", help: "print {clusters, seconds, peak_rss_mb, inversions, metrics, ...} as JSON" },
  },
  async run(args) {
    const dataDir = optStr(args, "data"), npy = optStr(args, "embeddings");
    if ((dataDir === undefined) === (npy === undefined)) {
      throw new UsageError("give exactly one of --data DIR or --embeddings FILE.npy");
    }
    const linkage = choice(args, "linkage", [...LINKAGES.keys()] as Linkage[]);
    const autoThreshold = optStr(args, "threshold") === "auto";
    let threshold = autoThreshold ? undefined : optNum(args, "threshold", { min: 0 });
    const firstPass = choice(args, "first-pass", FIRST_PASSES, D.firstPass);
    const t1 = num(args, "first-threshold", D.firstThreshold, { min: 0 });
    const alpha = num(args, "alpha", D.alpha, { min: 0 });
    const beta = num(args, "beta", D.beta, { min: 0 });
    const samplePairs = num(args, "sample-pairs", D.samplePairs, { min: 1, integer: true });
    const seed = num(args, "seed", D.seed, { integer: true });
    const mode = choice(args, "mode", MODES, D.mode);
    const gemmName = choice(args, "gemm", GEMMS, D.gemm);
    const threads = num(args, "threads", D.threads, { min: 1, max: 64, integer: true });
    const algorithm = choice(args, "algorithm", ALGORITHMS, D.algorithm);

    let input: ClusterInput;
    let truth: Int32Array | null = null;
    let normalizedRows = 0;
    let model: ModelKey | null = null;
    if (dataDir !== undefined) {
      const ds = await readDataset(dataDir);
      // Rows without capture times are processed in a seeded shuffled order, never in file order.
      input = clusterInputFromDataset(ds, { seed });
      model = datasetFaceModel(ds);
      const codes = ds.observations.identity.codes;
      if (codes.some((c) => c >= 0)) truth = codes;
    } else {
      const m = await readEmbeddingMatrix(npy!);
      normalizedRows = m.normalizedRows;
      input = {
        n: m.n,
        face: m.vectors,
        faceDim: m.dim,
        faceRow: Int32Array.from({ length: m.n }, (_, i) => i),
        body: null,
        bodyDim: 0,
        bodyRow: new Int32Array(m.n).fill(-1),
        moment: new Int32Array(m.n),
        order: timeOrder(new Float64Array(m.n).fill(NaN), seed),
      };
      const faceModel = optStr(args, "face-model");
      if (faceModel !== undefined) {
        model = faceModel.endsWith(".onnx")
          ? { name: basename(faceModel, ".onnx"), sha256: readableSha256(faceModel) }
          : { name: faceModel };
      }
    }
    const firstPassOptions = firstPass === "greedy"
      ? { threshold: t1, fusion: { alpha, beta, gateByMoment: !flag(args, "no-moment-gate") } }
      : null;
    if (autoThreshold) {
      try {
        const auto = resolveAutoThreshold({ model, linkage, input, truth, firstPass: firstPassOptions, seed });
        threshold = auto.threshold;
        console.error(`threshold auto = ${threshold}: ${auto.source}`);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    if (mode === "sparse" && threshold === undefined) throw new UsageError("--mode sparse needs --threshold");

    const t0 = performance.now(), cpu0 = cpuSeconds();
    const first = firstPassOptions ? greedyFirstPass(input, firstPassOptions) : null;
    const sp = secondPassInput(input, first);
    const items = sp.items.length;
    const sparse = mode === "sparse" || (mode === "auto" && threshold !== undefined && items > DENSE_LIMIT);
    if (gemmName === "wasm" && !createWasmSimdGemm()) {
      throw new Error("--gemm wasm: this runtime cannot compile WebAssembly SIMD (try --gemm onnxruntime)");
    }
    // wasm: no provider object, so that the library's default kernel (WebAssembly SIMD) splits over threads.
    const hacOptions = {
      linkage,
      gemm: gemmName === "js" ? JS_GEMM : undefined,
      threshold,
      samplePairs,
      seed,
      mode: sparse ? "sparse" as const : "dense" as const,
      threads,
      algorithm,
      clock: () => performance.now(),
    };
    // onnxruntime computes every distance (dense matrix, or graph and component matrices), so dense and
    // sparse runs see the same kernel's values.
    // The WebAssembly kernel's threshold graph splits over threads (asynchronously) before the sync HAC.
    const edges = gemmName === "wasm" && sparse && threads > 1 && items > 1
      ? await thresholdEdgesParallel(sp.vectors, sp.dim, threshold! + SPARSE_EDGE_MARGIN, { threads })
      : undefined;
    const h = gemmName === "onnxruntime" && items > 1
      ? await hacAsync(sp.vectors, sp.dim, { ...hacOptions, asyncGemm: await ortGemm(threads) })
      : hac(sp.vectors, sp.dim, { ...hacOptions, edges });
    const labels = observationLabels(sp, h.labels);
    const seconds = (performance.now() - t0) / 1000, cpu = cpuSeconds() - cpu0;

    const outPath = optStr(args, "out"), mergesPath = optStr(args, "merges"), itPath = optStr(args, "iterations");
    if (outPath) await writeLabels(outPath, labels);
    if (mergesPath) await writeNpy(mergesPath, { dtype: "float64", shape: [h.merges.length / 4, 4], data: h.merges });
    if (itPath) {
      const lines = ["iteration,seconds,pair_distances,height,size"];
      for (let k = 0; k < h.iterations.seconds.length; k++) {
        lines.push(
          `${k},${h.iterations.seconds[k]},${h.iterations.pairDistances[k]},${h.merges[k * 4 + 2]},${
            h.merges[k * 4 + 3]
          }`,
        );
      }
      await writeFileAtomic(itPath, lines.join("\n") + "\n");
    }
    const clusters = new Set(labels).size;
    const metrics = truth ? clusteringMetrics(labels, truth) : null;
    const summary = {
      clusters,
      seconds: Math.round(seconds * 1000) / 1000,
      cpu_seconds: Math.round(cpu * 1000) / 1000,
      peak_rss_mb: Math.round(peakRssMb() * 10) / 10,
      inversions: h.inversions,
      metrics,
      n: input.n,
      linkage,
      threshold: threshold ?? null,
      first_pass: firstPass,
      first_pass_clusters: first ? first.clusters : null,
      hac_items: items,
      merges: h.merges.length / 4,
      mode: h.mode,
      components: h.components,
      gemm: gemmName,
      threads,
      algorithm,
      normalized_rows: normalizedRows,
    };
    if (flag(args, "json")) {
      console.log(JSON.stringify(summary));
      return 0;
    }
    console.log(
      `${input.n} observations → ${clusters} clusters (${linkage}, threshold ${threshold ?? "none"}, ` +
        `${h.mode} mode, ${first ? `first pass ${first.clusters} clusters, ` : ""}${h.inversions} inversions) ` +
        `in ${summary.seconds} s, peak RSS ${summary.peak_rss_mb} MB`,
    );
    if (normalizedRows > 0) console.log(`note: ${normalizedRows} rows were not unit length and were L2-normalised`);
    if (metrics) {
      const f = (x: number) => x.toFixed(4);
      console.log(
        `pairwise P/R/F ${f(metrics.pairwise.precision)} ${f(metrics.pairwise.recall)} ${f(metrics.pairwise.f1)}; ` +
          `BCubed P/R/F ${f(metrics.bcubed.precision)} ${f(metrics.bcubed.recall)} ${f(metrics.bcubed.f1)}`,
      );
    }
    return 0;
  },
};
