/**
 * `library-scale`: the whole nightly job on one library, each stage timed with its own peak memory — first pass,
 * threshold graph, HAC, gallery, assignment of a night's new faces, and the incremental update that adds that night
 * to the clustering. Swept over library sizes (experiments/scale.json) it gives the cost curve of the report's scale
 * figure.
 * @module
 */
import type { CandidateSearch } from "../../../algorithms/clustering/greedy.ts";
import type { ClusterInput } from "../../../algorithms/clustering/greedy.ts";
import { IncrementalLibrary, type IncrementalOptions } from "../../../algorithms/clustering/incremental.ts";
import { assign } from "../../../algorithms/assignment/methods.ts";
import { buildGallery } from "../../../algorithms/gallery/exemplars.ts";
import { selectGallery } from "../../../algorithms/gallery/select.ts";
import { clusteringMetrics } from "../../../algorithms/metrics/clustering.ts";
import { clusterInputFromDataset } from "../../../datasets/cluster_input.ts";
import type { Variant, VariantOutput } from "../types.ts";

/** The pipeline stages timed, in order (metric names `stage.<name>.seconds` and `stage.<name>.peak_mb`). */
export const SCALE_STAGES = ["first_pass", "graph", "hac", "gallery", "assign", "night"] as const;

type ScaleParams = {
  scope: string;
  verify: boolean;
  t1: number;
  threshold: number;
  candidates: string;
  nprobe: number;
  neighbours: string;
  night: number;
  exemplars: number;
  gemm: string;
};

/** Peak resident memory since the last reset, in MB (Linux `VmHWM`; the current RSS elsewhere). */
function peakMb(): number {
  try {
    const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+)\s+kB/);
    if (m) return Number(m[1]) / 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss / 2 ** 20;
}

/** Resets the peak to the current RSS (Linux `clear_refs` 5), so each stage gets its own peak. */
function resetPeak(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch { /* not Linux, or not allowed: peaks are then cumulative */ }
}

/** `library-scale`. */
export const scaleVariant: Variant<ScaleParams> = {
  id: "library-scale",
  stage: "cluster",
  summary: "the nightly job at scale: first pass, threshold graph, HAC, gallery, assignment, incremental night",
  params: {
    t1: { kind: "float", min: 0, max: 2, default: 0.3, help: "first-pass threshold [0.3]" },
    threshold: { kind: "float", min: 0, max: 2, default: 0.5, help: "HAC threshold (average linkage) [0.5]" },
    candidates: {
      kind: "enum",
      values: ["ivf", "exact"],
      default: "ivf",
      help: "first-pass candidate search: inverted file or every cluster [ivf]",
    },
    nprobe: { kind: "int", min: 1, max: 8192, default: 32, help: "IVF cells probed per observation [32]" },
    neighbours: {
      kind: "enum",
      values: ["ivf", "exact"],
      default: "ivf",
      help: "threshold graph: the inverted file over the cluster means, or exact matrix products (all pairs) [ivf]",
    },
    night: {
      kind: "int",
      min: 0,
      max: 10_000_000,
      default: 10_000,
      help: "newest observations held back as the night's new photos (at most a tenth of the library) [10000]",
    },
    exemplars: { kind: "int", min: 1, max: 100, default: 5, help: "gallery exemplars per person [5]" },
    gemm: {
      kind: "enum",
      values: ["ort", "wasm"],
      default: "ort",
      help: "matrix product of the first pass's cell search: onnxruntime, or the WebAssembly SIMD kernel [ort]",
    },
    scope: {
      kind: "enum",
      values: ["clusters", "component"],
      default: "clusters",
      help: "what the night re-clusters: the final clusters it touched, or their whole threshold-graph components " +
        "(= a full re-run) [clusters]",
    },
    verify: {
      kind: "bool",
      default: false,
      help: "after the run (untimed), cluster library + night from scratch and record the ARI of the night's " +
        "result against it [false]",
    },
  },
  prepare: (input) => clusterInputFromDataset(input.dataset),
  async run(_input, p, ctx, state) {
    const data = state as ReturnType<typeof clusterInputFromDataset>;
    const order = data.order!, n = data.n;
    const night = Math.min(p.night, Math.floor(n / 10));
    const libraryIds = order.subarray(0, n - night), nightIds = order.subarray(n - night);
    const candidates: CandidateSearch = p.candidates === "ivf"
      ? { kind: "ivf", nprobe: p.nprobe, seed: ctx.seed }
      : { kind: "exact" };
    const seconds: Record<string, number> = {}, peaks: Record<string, number> = {};
    const stage = <T>(name: string, fn: () => T): T => {
      resetPeak();
      const t0 = ctx.clock();
      const out = fn();
      seconds[name] = ctx.clock() - t0;
      peaks[name] = peakMb();
      return out;
    };
    const lib = new IncrementalLibrary(data.faceDim, data.bodyDim, {
      firstPass: { threshold: p.t1, candidates },
      hac: { linkage: "average", threshold: p.threshold },
      neighbours: p.neighbours === "ivf" ? { kind: "ivf", seed: ctx.seed } : { kind: "exact" },
      scope: p.scope as "clusters" | "component",
      clock: ctx.clock,
    });
    // The build's three steps share one peak; each gets its own time from the library's clock.
    // onnxruntime is loaded only when asked for (the WebAssembly kernel needs nothing).
    const gemm = p.gemm === "ort"
      ? await (await import("../../../pipeline/onnx/ort_gemm.ts")).createOrtGemm({ threads: 1 })
      : null;
    resetPeak();
    const t0 = ctx.clock();
    const built = gemm ? await lib.buildAsync(data, libraryIds, gemm) : lib.build(data, libraryIds);
    seconds.build = ctx.clock() - t0;
    peaks.build = peakMb();
    await gemm?.trim?.();
    seconds.first_pass = built.seconds.firstPass;
    seconds.graph = built.seconds.neighbours;
    seconds.hac = built.seconds.hac;
    for (const s of ["first_pass", "graph", "hac"]) peaks[s] = peaks.build!;
    delete seconds.build;
    delete peaks.build;
    const firstPassLabels = lib.firstPass.labels;

    // Gallery from the library's final clusters (one row per face), then the night's faces assigned to it.
    const labels = lib.labels();
    const faces = data.face.length / data.faceDim;
    const faceLabel = new Int32Array(faces).fill(-1);
    for (const o of libraryIds) if (data.faceRow[o]! >= 0) faceLabel[data.faceRow[o]!] = labels[o]!;
    const gallery = stage("gallery", () => {
      const chosen = selectGallery(data.face, data.faceDim, faceLabel);
      return buildGallery(data.face, data.faceDim, faceLabel, {
        persons: chosen.persons,
        exemplars: p.exemplars,
        seed: ctx.seed,
      });
    });
    const nightFaces = Array.from(nightIds).filter((o) => data.faceRow[o]! >= 0);
    const queries = new Float32Array(nightFaces.length * data.faceDim);
    nightFaces.forEach((o, k) => {
      const r = data.faceRow[o]!;
      queries.set(data.face.subarray(r * data.faceDim, (r + 1) * data.faceDim), k * data.faceDim);
    });
    const assigned = stage("assign", () => assign("centroid", gallery, queries));

    const update = stage("night", () => lib.update(data, nightIds));
    const metrics: VariantOutput["metrics"] = {};
    for (const s of SCALE_STAGES) {
      metrics[`stage.${s}.seconds`] = { value: seconds[s] ?? 0, direction: "lower" };
      metrics[`stage.${s}.peak_mb`] = { value: Math.round((peaks[s] ?? 0) * 10) / 10, direction: "lower" };
    }
    metrics["stage.total.seconds"] = {
      value: SCALE_STAGES.reduce((a, s) => a + (seconds[s] ?? 0), 0),
      direction: "lower",
    };
    return {
      labels: lib.labels(),
      metrics,
      counters: {
        observations: n,
        night_observations: night,
        first_pass_clusters: built.changedClusters,
        gallery_persons: gallery.persons,
        night_faces_assigned: Array.from(assigned.person).filter((x) => x >= 0).length,
        night_changed_clusters: update.changedClusters,
        night_reclustered: update.reclustered,
        night_components: update.components,
      },
      raw: { firstPassLabels, libraryIds, options: lib.options, data, order },
    };
  },
  analyse(input, p, out) {
    // First-pass accuracy on the library (before the night), the number the IVF must not lose.
    const { firstPassLabels, libraryIds } = out.raw as { firstPassLabels: Int32Array; libraryIds: Int32Array };
    const truth = input.dataset.observations.identity.codes;
    const mask = new Uint8Array(truth.length);
    for (const o of libraryIds) mask[o] = 1;
    const m = clusteringMetrics(firstPassLabels, truth, { mask });
    const metrics: VariantOutput["metrics"] = {
      "first_pass.bcubed.f1": { value: m.bcubed.f1, direction: "higher" },
      "first_pass.bcubed.precision": { value: m.bcubed.precision, direction: "higher" },
    };
    if (p.verify) {
      const { options, data, order } = out.raw as {
        options: IncrementalOptions;
        data: ClusterInput;
        order: Int32Array;
      };
      const full = new IncrementalLibrary(data.faceDim, data.bodyDim, { ...options, clock: undefined });
      full.build(data, order);
      metrics["night.ari_vs_full"] = { value: clusteringMetrics(out.labels!, full.labels()).ari, direction: "higher" };
    }
    return { metrics };
  },
};
