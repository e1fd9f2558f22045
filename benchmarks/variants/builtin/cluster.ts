/**
 * Clustering variants wrapping `algorithms/clustering` and `algorithms/hac`: `hac` (HAC on every face),
 * `two-pass` (the article's greedy first pass on fused face+body distances, then face HAC over its clusters)
 * and `greedy` (the first pass alone).
 *
 * Outputs: labels, per-merge samples (`merge_seconds`, `merge_pair_distances`), counters, and optionally
 * precision / recall / F against threshold curves (`curve_points`: the measured run then builds the full
 * dendrogram, which costs more time — use curves in accuracy experiments, not latency ones; the cuts and
 * scores are computed untimed) and unclear-face filtering curves (`filter_points`, untimed).
 *
 * Threshold protocol (`protocol`, on by default; untimed): identities are split, seeded, into dev and test;
 * each part is clustered on its own, the threshold is tuned on dev and BCubed F reported on test, with the
 * oracle (best threshold on test) and the gap beside it (`algorithms/clustering/threshold_protocol.ts`).
 * `threshold: "auto"` (the default) is the threshold calibrated for the dataset's face model
 * (`benchmarks/calibration/thresholds.json`), or, for data without a calibrated model (synthetic), the one
 * tuned on the dev split. Rows without capture times are processed in a seeded shuffled order.
 * @module
 */
import { clusteringMetrics } from "../../../algorithms/metrics/mod.ts";
import { greedyFirstPass } from "../../../algorithms/clustering/greedy.ts";
import { twoPassCluster, type TwoPassResult } from "../../../algorithms/clustering/two_pass.ts";
import { cutDendrogram } from "../../../algorithms/hac/dendrogram.ts";
import {
  DEFAULT_DEV_FRACTION,
  type ProtocolRun,
  runThresholdProtocol,
} from "../../../algorithms/clustering/threshold_protocol.ts";
import type { ClusterInput, GreedyOptions } from "../../../algorithms/clustering/greedy.ts";
import { datasetFaceModel, resolveAutoThreshold } from "../../calibration/thresholds.ts";
import { type Linkage, LINKAGE_IDS as TABLE_IDS } from "../../../algorithms/hac/linkage.ts";
import { type Algorithm, ALGORITHMS } from "../../../algorithms/hac/hac.ts";
import { clusterInputFromDataset } from "../../../datasets/cluster_input.ts";
import { UNTIMED_ORDERS, type UntimedOrder } from "../../../algorithms/clustering/order.ts";
import { availableCores } from "../../../base/cores.ts";
import type { Curve } from "../../results/schema.ts";
import type { ParamSpec, StageInput, Variant, VariantOutput } from "../types.ts";

/** Linkages accepted by the HAC variants. */
export const LINKAGE_IDS: readonly Linkage[] = TABLE_IDS;

const FILTER_PARAMS = {
  filter_points: {
    kind: "int",
    min: 0,
    max: 100,
    default: 0,
    help: "points of the precision-vs-fraction-of-faces-kept curves (unclear-face filtering by face_quality) [0]",
  },
} as const satisfies Record<string, ParamSpec>;

const HAC_PARAMS = {
  linkage: { kind: "enum", values: LINKAGE_IDS, default: "average", help: "HAC linkage [average]" },
  threshold: {
    kind: "float",
    auto: true,
    min: 0,
    max: 2,
    default: "auto",
    help: "stop merging above this cosine distance; auto = calibrated for the dataset's face model " +
      "(benchmarks/calibration/thresholds.json), else tuned on the dev split of the identities [auto]",
  },
  protocol: {
    kind: "bool",
    default: true,
    help: "threshold protocol (untimed): tune on a dev split of identities, report on the test split, oracle " +
      "and gap beside it [true]",
  },
  dev_fraction: {
    kind: "float",
    min: 0.05,
    max: 0.95,
    default: DEFAULT_DEV_FRACTION,
    help: `fraction of identities in the protocol's dev split [${DEFAULT_DEV_FRACTION}]`,
  },
  sample_pairs: {
    kind: "int",
    min: 1,
    max: 1e7,
    default: 64,
    help: "S: median-sampled represents a cluster of more than ⌈√S⌉ members by ≈ ⌈√S⌉ seeded random ones [64]",
  },
  curve_points: {
    kind: "int",
    min: 0,
    max: 200,
    default: 0,
    help: "thresholds in the P/R/F-vs-threshold curves; >0 builds the full dendrogram [0]",
  },
  curve_min: { kind: "float", min: 0, max: 2, default: 0.1, help: "lowest curve threshold [0.1]" },
  curve_max: { kind: "float", min: 0, max: 2, default: 1.0, help: "highest curve threshold [1.0]" },
  algorithm: {
    kind: "enum",
    values: [...ALGORITHMS],
    default: "auto",
    help: "merge loop: single/complete/average by batched RNN rounds (auto, rnn-batch) or NN-chain (true " +
      "per-merge times); median and median-sampled by the distance sweep (auto, sweep) or the generic loop " +
      "(generic); a loop that does not run the linkage is an error",
  },
  threads: {
    kind: "int",
    min: 1,
    max: 64,
    default: availableCores(),
    help: "threads of the distance products and the batched single/complete/average merges (same result for any " +
      `count) [available cores: ${availableCores()}]`,
  },
  ...FILTER_PARAMS,
} as const satisfies Record<string, ParamSpec>;

/**
 * Unclear-face filtering curves: keep the fraction f of faces with the highest `face_quality` (unknown quality
 * counts as lowest; ties by id) and score the clustering on the kept faces only. x = f = 1/P … 1.
 */
export function filterCurves(labels: Int32Array, input: StageInput, points: number): Record<string, Curve> {
  if (points <= 0) return {};
  const o = input.dataset.observations;
  const faces: number[] = [];
  for (let i = 0; i < o.n; i++) if (o.faceRow[i]! >= 0) faces.push(i);
  const q = (i: number) => (Number.isNaN(o.faceQuality[i]!) ? -Infinity : o.faceQuality[i]!);
  faces.sort((a, b) => q(b) - q(a) || a - b);
  const xs: number[] = [], prec: number[] = [], rec: number[] = [], f1: number[] = [];
  for (let k = 1; k <= points; k++) {
    const kept = Math.round((faces.length * k) / points);
    const mask = new Uint8Array(o.n);
    for (let j = 0; j < kept; j++) mask[faces[j]!] = 1;
    const m = clusteringMetrics(labels, o.identity.codes, { mask });
    xs.push(k / points);
    prec.push(m.bcubed.precision);
    rec.push(m.bcubed.recall);
    f1.push(m.bcubed.f1);
  }
  const curve = (y: number[], label: string): Curve => ({
    x: xs,
    y,
    x_label: "fraction of faces kept",
    y_label: label,
  });
  const ok = (ys: number[]) => ys.every(Number.isFinite);
  const out: Record<string, Curve> = {};
  if (ok(prec)) out["kept.bcubed.precision"] = curve(prec, "BCubed precision");
  if (ok(rec)) out["kept.bcubed.recall"] = curve(rec, "BCubed recall");
  if (ok(f1)) out["kept.bcubed.f1"] = curve(f1, "BCubed F1");
  return out;
}

type FilterParams = { filter_points: number };

type HacParams = FilterParams & {
  linkage: string;
  algorithm: string;
  threads: number;
  threshold: number | "auto";
  protocol: boolean;
  dev_fraction: number;
  sample_pairs: number;
  curve_points: number;
  curve_min: number;
  curve_max: number;
};

/** Maps cut labels of the HAC items back to observations (face-less units become −1 = singletons). */
function observationLabels(r: TwoPassResult, cut: Int32Array, n: number): Int32Array {
  const units = r.firstPass ? r.firstPass.clusters : n;
  const unitLabel = new Int32Array(units).fill(-1);
  for (let q = 0; q < r.hacItems.length; q++) unitLabel[r.hacItems[q]!] = cut[q]!;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = unitLabel[r.firstPassLabels[i]!]!;
  if (r.firstPass) {
    // Face-less first-pass clusters stay clusters: give them fresh ids instead of −1.
    let next = 0;
    for (const l of unitLabel) next = Math.max(next, l + 1);
    const fresh = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      if (labels[i]! >= 0) continue;
      const u = r.firstPassLabels[i]!;
      let l = fresh.get(u);
      if (l === undefined) fresh.set(u, l = next++);
      labels[i] = l;
    }
  }
  return labels;
}

/** What `prepare` hands to every run of a HAC variant. */
interface HacState {
  input: ClusterInput;
  /** The run's threshold, "auto" resolved. */
  threshold: number;
  /** Where an automatic threshold came from. */
  thresholdSource: string | null;
  /** The protocol, when `auto` needed it to tune (reused by the analysis). */
  protocol: ProtocolRun | null;
}

function hasIdentities(input: StageInput): boolean {
  return new Set(Array.from(input.dataset.observations.identity.codes).filter((c) => c >= 0)).size >= 2;
}

/** HAC options of the protocol's dendrograms (the run's, without threshold or clock). */
function protocolHac(p: HacParams, seed: number) {
  return { samplePairs: p.sample_pairs, seed, algorithm: p.algorithm as Algorithm, threads: p.threads };
}

function protocolFor(input: StageInput, state: HacState, p: HacParams, seed: number, first: GreedyOptions | null) {
  return runThresholdProtocol(state.input, input.dataset.observations.identity.codes, {
    seed,
    devFraction: p.dev_fraction,
    firstPass: first,
    hac: { ...protocolHac(p, seed), linkage: p.linkage as Linkage },
  });
}

/**
 * Untimed set-up: the input (rows without times shuffled by the run's seed, or in file order) and the threshold — `auto` is the
 * face model's calibrated threshold, else (synthetic data, an uncalibrated model) the one tuned on the dev split.
 */
function hacPrepare(
  input: StageInput,
  p: HacParams,
  seed: number,
  first: GreedyOptions | null,
  untimed: UntimedOrder = "shuffled",
): HacState {
  const clusterInput = clusterInputFromDataset(input.dataset, { seed, untimed });
  if (p.threshold !== "auto") {
    return { input: clusterInput, threshold: p.threshold, thresholdSource: null, protocol: null };
  }
  const auto = resolveAutoThreshold({
    model: datasetFaceModel(input.dataset),
    linkage: p.linkage,
    input: clusterInput,
    truth: input.dataset.observations.identity.codes,
    firstPass: first,
    seed,
    devFraction: p.dev_fraction,
    hac: protocolHac(p, seed),
  });
  return { input: clusterInput, threshold: auto.threshold, thresholdSource: auto.source, protocol: auto.protocol };
}

function hacOutput(r: TwoPassResult, p: HacParams, input: StageInput, state: HacState): VariantOutput {
  const n = input.dataset.observations.n;
  const it = r.hac.iterations;
  return {
    // With curves the full dendrogram was built: labels at the run's threshold come from cutting it.
    labels: p.curve_points > 0
      ? observationLabels(r, cutDendrogram(r.hac.merges, r.hacItems.length, state.threshold), n)
      : r.labels,
    samples: {
      merge_seconds: Array.from(it.seconds), // hac() already reports seconds per merge
      merge_pair_distances: Array.from(it.pairDistances),
    },
    counters: {
      hac_points: r.hacItems.length,
      merges: it.seconds.length,
      pair_distances: it.pairDistances.reduce((s, v) => s + v, 0),
      inversions: r.hac.inversions,
      components: r.hac.components,
      ...(r.firstPass
        ? { first_pass_clusters: r.firstPass.clusters, first_pass_comparisons: r.firstPass.comparisons }
        : {}),
    },
  };
}

type Raw = { result: TwoPassResult; state: HacState; seed: number; first: GreedyOptions | null };

/** The protocol's numbers as record metrics (names documented in benchmarks/README.md). */
function protocolOutput(
  run: ProtocolRun,
  state: HacState,
  input: StageInput,
): Pick<VariantOutput, "curves" | "metrics" | "counters"> {
  const r = run.report;
  const m = (value: number, direction: "higher" | "lower" | "none") => ({ value, direction });
  // The test part scored at the run's own threshold (a fixed or calibrated one): what a user gets with it.
  const atRun = clusteringMetrics(
    run.testCut(state.threshold),
    Int32Array.from(run.testRows, (i) => input.dataset.observations.identity.codes[i]!),
  );
  const curve = (y: number[], label: string): Curve => ({
    x: run.test.thresholds,
    y,
    x_label: "threshold (cosine distance)",
    y_label: label,
  });
  return {
    metrics: {
      "threshold": m(state.threshold, "none"),
      "dev.threshold": m(r.devThreshold, "none"),
      "dev.bcubed.f1": m(r.devF1, "higher"),
      "test.bcubed.f1": m(r.testF1, "higher"),
      "test.bcubed.precision": m(r.testPrecision, "higher"),
      "test.bcubed.recall": m(r.testRecall, "higher"),
      "test.at_threshold.bcubed.f1": m(atRun.bcubed.f1, "higher"),
      "oracle.threshold": m(r.oracleThreshold, "none"),
      "oracle.bcubed.f1": m(r.oracleF1, "higher"),
      "gap.bcubed.f1": m(r.gap, "lower"),
    },
    curves: {
      "dev.threshold.bcubed.f1": { ...curve(run.dev.f1, "BCubed F1 (dev split)"), x: run.dev.thresholds },
      "test.threshold.bcubed.precision": curve(run.test.precision, "BCubed precision (test split)"),
      "test.threshold.bcubed.recall": curve(run.test.recall, "BCubed recall (test split)"),
      "test.threshold.bcubed.f1": curve(run.test.f1, "BCubed F1 (test split)"),
    },
    counters: { dev_identities: run.split.devIdentities.length, test_identities: run.split.testIdentities.length },
  };
}

/** Untimed: the threshold protocol, P/R/F-vs-threshold curves from the full dendrogram, filtering curves. */
function hacAnalyse(
  input: StageInput,
  p: HacParams,
  out: VariantOutput,
): Pick<VariantOutput, "curves" | "metrics" | "counters"> {
  const curves = filterCurves(out.labels!, input, p.filter_points);
  const { result: r, state, seed, first } = out.raw as Raw;
  let extra: Pick<VariantOutput, "curves" | "metrics" | "counters"> = {
    metrics: { threshold: { value: state.threshold, direction: "none" } },
  };
  if (p.protocol && hasIdentities(input)) {
    extra = protocolOutput(state.protocol ?? protocolFor(input, state, p, seed, first), state, input);
  }
  if (p.curve_points <= 0) return { ...extra, curves: { ...curves, ...extra.curves } };
  const n = input.dataset.observations.n, m = r.hacItems.length;
  const truth = input.dataset.observations.identity.codes;
  const xs: number[] = [], prec: number[] = [], rec: number[] = [], f: number[] = [], pf: number[] = [];
  for (let k = 0; k < p.curve_points; k++) {
    const t = p.curve_points === 1
      ? p.curve_min
      : p.curve_min + ((p.curve_max - p.curve_min) * k) / (p.curve_points - 1);
    const met = clusteringMetrics(observationLabels(r, cutDendrogram(r.hac.merges, m, t), n), truth);
    xs.push(t);
    prec.push(met.bcubed.precision);
    rec.push(met.bcubed.recall);
    f.push(met.bcubed.f1);
    pf.push(met.pairwise.f1);
  }
  const curve = (y: number[], label: string): Curve => ({
    x: xs,
    y,
    x_label: "threshold (cosine distance)",
    y_label: label,
  });
  return {
    ...extra,
    curves: {
      ...curves,
      ...extra.curves,
      "threshold.bcubed.precision": curve(prec, "BCubed precision"),
      "threshold.bcubed.recall": curve(rec, "BCubed recall"),
      "threshold.bcubed.f1": curve(f, "BCubed F1"),
      "threshold.pairwise.f1": curve(pf, "pairwise F1"),
    },
  };
}

function hacOptions(p: HacParams, seed: number, threshold: number | undefined) {
  return {
    linkage: p.linkage as Linkage,
    threshold: p.curve_points > 0 ? undefined : threshold,
    samplePairs: p.sample_pairs,
    seed,
    algorithm: p.algorithm as Algorithm,
    threads: p.threads,
    clock: () => performance.now(),
  };
}

/** Runs the measured clustering and keeps what the analysis needs. */
function hacRun(input: StageInput, p: HacParams, seed: number, state: HacState, first: GreedyOptions | null) {
  const r = twoPassCluster(state.input, { firstPass: first, hac: hacOptions(p, seed, state.threshold) });
  const out = hacOutput(r, p, input, state);
  out.raw = { result: r, state, seed, first } satisfies Raw;
  return out;
}

/** `hac`: HAC directly on every observation's face (no first pass); face-less observations stay singletons. */
export const hacVariant: Variant<HacParams> = {
  id: "hac",
  stage: "cluster",
  summary: `HAC on all faces (${LINKAGE_IDS.join(" | ")}), cut at a threshold`,
  params: HAC_PARAMS,
  prepare: (input, p, ctx) => hacPrepare(input, p, ctx.seed, null),
  run: (input, p, ctx, state) => hacRun(input, p, ctx.seed, state as HacState, null),
  analyse: hacAnalyse,
};

type TwoPassParams = HacParams & {
  distance: string;
  first_pass: boolean;
  t1: number;
  alpha: number;
  beta: number;
  gate_by_moment: boolean;
  untimed_order: string;
};

const FIRST_PASS_PARAMS = {
  distance: {
    kind: "enum",
    values: ["face", "face+body"],
    default: "face+body",
    help: "first-pass distance: face only (β = 0) or fused D = min(F, αF + βT) [face+body]",
  },
  t1: { kind: "float", min: 0, max: 2, default: 0.3, help: "first-pass threshold t1 [0.3]" },
  alpha: { kind: "float", min: 0, max: 10, default: 0.6, help: "α of the fused distance [0.6]" },
  beta: { kind: "float", min: 0, max: 10, default: 0.4, help: "β of the fused distance (face+body) [0.4]" },
  gate_by_moment: { kind: "bool", default: true, help: "count body distance only within a moment [true]" },
} as const satisfies Record<string, ParamSpec>;

/** The input's order: not a knob of the method, a switch to reproduce results of code before issue 12. */
const ORDER_PARAMS = {
  untimed_order: {
    kind: "enum",
    values: UNTIMED_ORDERS,
    default: "shuffled",
    help: "first-pass order of rows without a capture time: shuffled by the run's seed, or file (their row order, " +
      "as before issue 12; only to reproduce older results) [shuffled]",
  },
} as const satisfies Record<string, ParamSpec>;

function fusion(p: { distance: string; alpha: number; beta: number; gate_by_moment: boolean }) {
  return { alpha: p.alpha, beta: p.distance === "face" ? 0 : p.beta, gateByMoment: p.gate_by_moment };
}

function firstPassOptions(p: TwoPassParams): GreedyOptions | null {
  return p.first_pass ? { threshold: p.t1, fusion: fusion(p) } : null;
}

/** `two-pass`: the article's pipeline — greedy first pass (optional) then face HAC over its clusters. */
export const twoPassVariant: Variant<TwoPassParams> = {
  id: "two-pass",
  stage: "cluster",
  summary: "greedy first pass on D = min(F, αF + βT), then face HAC over first-pass clusters",
  params: {
    ...FIRST_PASS_PARAMS,
    ...ORDER_PARAMS,
    first_pass: { kind: "bool", default: true, help: "run the greedy first pass (off: HAC on observations) [true]" },
    ...HAC_PARAMS,
  },
  prepare: (input, p, ctx) => hacPrepare(input, p, ctx.seed, firstPassOptions(p), p.untimed_order as UntimedOrder),
  run: (input, p, ctx, state) => hacRun(input, p, ctx.seed, state as HacState, firstPassOptions(p)),
  analyse: hacAnalyse,
};

type GreedyParams = FilterParams & {
  distance: string;
  t1: number;
  alpha: number;
  beta: number;
  gate_by_moment: boolean;
  untimed_order: string;
};

/** `greedy`: the conservative first pass alone. */
export const greedyVariant: Variant<GreedyParams> = {
  id: "greedy",
  stage: "cluster",
  summary: "greedy first pass alone (time order, running cluster means)",
  params: { ...FIRST_PASS_PARAMS, ...ORDER_PARAMS, ...FILTER_PARAMS },
  prepare: (input, p, ctx) =>
    clusterInputFromDataset(input.dataset, { seed: ctx.seed, untimed: p.untimed_order as UntimedOrder }),
  run(_input, p, _ctx, state) {
    const r = greedyFirstPass(state as ReturnType<typeof clusterInputFromDataset>, {
      threshold: p.t1,
      fusion: fusion(p),
    });
    return { labels: r.labels, counters: { comparisons: r.comparisons, first_pass_clusters: r.clusters } };
  },
  analyse: (input, p, out) => ({ curves: filterCurves(out.labels!, input, p.filter_points) }),
};
