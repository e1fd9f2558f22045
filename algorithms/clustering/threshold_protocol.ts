/**
 * The threshold protocol of every clustering comparison: a clustering threshold is a free parameter, and
 * reporting each method at the threshold that is best on the very data it is scored on (an oracle) flatters it.
 * So identities are split, seeded, into a dev and a test part; each part is clustered on its own (its own
 * first pass and its own dendrogram, built once and cut at every threshold of a grid); the threshold is tuned
 * on dev and the score is reported on test. The oracle (the best threshold on test) is reported beside it,
 * labelled as such, and the generalisation gap = oracle − dev-tuned score on test is what a user who cannot
 * tune on their own library loses.
 * @module
 */
import { cutDendrogram } from "../hac/dendrogram.ts";
import { hac, type HacOptions } from "../hac/hac.ts";
import { clusteringMetrics } from "../metrics/clustering.ts";
import { Rng } from "../random/rng.ts";
import { type ClusterInput, greedyFirstPass, type GreedyOptions } from "./greedy.ts";
import { observationLabels, secondPassInput } from "./two_pass.ts";

/** Fraction of identities in the dev part [0.5]. */
export const DEFAULT_DEV_FRACTION = 0.5;

/** A seeded split of observations by identity. */
export interface IdentitySplit {
  /** 1 for observations in the dev part. */
  dev: Uint8Array;
  /** 1 for observations in the test part (dev and test are disjoint and cover every observation). */
  test: Uint8Array;
  /** Identity codes of the dev part, ascending. */
  devIdentities: number[];
  /** Identity codes of the test part, ascending. */
  testIdentities: number[];
}

/**
 * Splits observations by identity: identity codes are shuffled with a generator seeded from `seed` and the
 * first round(k · devFraction) (at least 1 and at most k − 1 when k ≥ 2) go to dev. Observations of unknown
 * identity (code −1) are split by a seeded coin, so both parts keep their share of unlabelled faces.
 *
 * @param truth identity code per observation (−1: unknown)
 * @param options seed and dev fraction [0.5]
 * @returns dev and test masks and identity lists
 * @throws {RangeError} when devFraction is not in (0, 1)
 * @example
 * ```ts
 * import { splitByIdentity } from "./threshold_protocol.ts";
 * const s = splitByIdentity(Int32Array.of(0, 0, 1, 1, 2, 2), { seed: 1 });
 * if (s.devIdentities.some((c) => s.testIdentities.includes(c))) throw new Error("not disjoint");
 * ```
 */
export function splitByIdentity(
  truth: Int32Array,
  options: { seed: number; devFraction?: number },
): IdentitySplit {
  const fraction = options.devFraction ?? DEFAULT_DEV_FRACTION;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`devFraction must be in (0, 1), got ${fraction}`);
  const codes = [...new Set(Array.from(truth).filter((c) => c >= 0))].sort((a, b) => a - b);
  const rng = new Rng(`identity-split/${options.seed}`);
  for (let i = codes.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [codes[i], codes[j]] = [codes[j]!, codes[i]!];
  }
  const k = codes.length;
  const nDev = k < 2 ? k : Math.min(k - 1, Math.max(1, Math.round(k * fraction)));
  const devSet = new Set(codes.slice(0, nDev));
  const dev = new Uint8Array(truth.length), test = new Uint8Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    const c = truth[i]!;
    const inDev = c >= 0 ? devSet.has(c) : rng.float() < fraction;
    (inDev ? dev : test)[i] = 1;
  }
  return {
    dev,
    test,
    devIdentities: codes.slice(0, nDev).sort((a, b) => a - b),
    testIdentities: codes.slice(nDev).sort((a, b) => a - b),
  };
}

/**
 * The threshold grid of every sweep: min, min + step, …, max (rounded to 1e-6 so grids compare exactly).
 * @param min lowest threshold [0.05]
 * @param max highest threshold [1.2]
 * @param step spacing [0.025]
 * @returns ascending thresholds
 */
export function thresholdGrid(min = 0.05, max = 1.2, step = 0.025): number[] {
  if (!(step > 0) || !(max >= min)) throw new RangeError(`bad grid: min ${min}, max ${max}, step ${step}`);
  const out: number[] = [];
  for (let k = 0; min + k * step <= max + 1e-9; k++) out.push(Math.round((min + k * step) * 1e6) / 1e6);
  return out;
}

/** BCubed scores of one clustering against threshold. */
export interface ThresholdCurve {
  thresholds: number[];
  f1: number[];
  precision: number[];
  recall: number[];
  pairwiseF1: number[];
}

/** A clustering built once, cut at any threshold: labels per observation of its part. */
export type CutAt = (threshold: number) => Int32Array;

/**
 * Scores a clustering at every threshold of a grid (cheap: one cut and one contingency table per threshold).
 * @param cut labels at a threshold
 * @param truth identity codes of the same observations
 * @param grid thresholds
 * @returns the curve
 */
export function sweepThresholds(cut: CutAt, truth: Int32Array, grid: readonly number[]): ThresholdCurve {
  const curve: ThresholdCurve = { thresholds: [...grid], f1: [], precision: [], recall: [], pairwiseF1: [] };
  for (const t of grid) {
    const m = clusteringMetrics(cut(t), truth);
    curve.f1.push(m.bcubed.f1);
    curve.precision.push(m.bcubed.precision);
    curve.recall.push(m.bcubed.recall);
    curve.pairwiseF1.push(m.pairwise.f1);
  }
  return curve;
}

/**
 * The threshold of highest BCubed F on a curve; ties go to the lowest threshold (the most conservative cut).
 * @param curve a sweep
 * @returns its index, threshold and F (index −1 and NaNs when no point is finite)
 */
export function bestThreshold(curve: ThresholdCurve): { index: number; threshold: number; f1: number } {
  let index = -1;
  for (let k = 0; k < curve.f1.length; k++) {
    const v = curve.f1[k]!;
    if (Number.isFinite(v) && (index < 0 || v > curve.f1[index]!)) index = k;
  }
  return index < 0
    ? { index, threshold: NaN, f1: NaN }
    : { index, threshold: curve.thresholds[index]!, f1: curve.f1[index]! };
}

/** What the protocol reports. */
export interface ProtocolReport {
  /** Threshold tuned on dev (best BCubed F of the dev curve). */
  devThreshold: number;
  /** BCubed F on dev at that threshold (optimistic: it was chosen there). */
  devF1: number;
  /** BCubed F / precision / recall on test at the dev-tuned threshold: the honest number. */
  testF1: number;
  testPrecision: number;
  testRecall: number;
  /** Oracle: the best threshold on test and its F — an upper bound no user can pick in advance. */
  oracleThreshold: number;
  oracleF1: number;
  /** oracleF1 − testF1 (≥ 0): what tuning elsewhere costs. */
  gap: number;
}

/**
 * Tunes on dev and reports on test.
 * @param dev the dev part's sweep
 * @param test the test part's sweep
 * @param testAt scores the test part at any threshold (the dev optimum is a grid point, so this is used only
 *   when it is not on the test grid)
 * @returns the report
 */
export function tuneAndReport(
  dev: ThresholdCurve,
  test: ThresholdCurve,
  testAt?: (t: number) => { f1: number; precision: number; recall: number },
): ProtocolReport {
  const d = bestThreshold(dev), o = bestThreshold(test);
  const k = test.thresholds.indexOf(d.threshold);
  const atDev = k >= 0
    ? { f1: test.f1[k]!, precision: test.precision[k]!, recall: test.recall[k]! }
    : testAt
    ? testAt(d.threshold)
    : { f1: NaN, precision: NaN, recall: NaN };
  return {
    devThreshold: d.threshold,
    devF1: d.f1,
    testF1: atDev.f1,
    testPrecision: atDev.precision,
    testRecall: atDev.recall,
    oracleThreshold: o.threshold,
    oracleF1: o.f1,
    gap: o.f1 - atDev.f1,
  };
}

/**
 * The observations of a mask as a clustering input of their own: embeddings are shared (rows are indices into
 * the same matrices), the processing order is the parent's order restricted to the kept rows.
 * @param input the whole input
 * @param keep 1 for the observations to keep
 * @returns the sub-input and, per sub-observation, its id in `input`
 */
export function subsetClusterInput(input: ClusterInput, keep: Uint8Array): { input: ClusterInput; rows: Int32Array } {
  const rows: number[] = [];
  const newId = new Int32Array(input.n).fill(-1);
  for (let i = 0; i < input.n; i++) if (keep[i]) newId[i] = rows.push(i) - 1;
  const pick = (a: Int32Array) => Int32Array.from(rows, (i) => a[i]!);
  const order = input.order
    ? Int32Array.from(Array.from(input.order).filter((i) => keep[i]), (i) => newId[i]!)
    : undefined;
  return {
    input: {
      ...input,
      n: rows.length,
      faceRow: pick(input.faceRow),
      bodyRow: pick(input.bodyRow),
      moment: pick(input.moment),
      ...(order ? { order } : {}),
    },
    rows: Int32Array.from(rows),
  };
}

/**
 * Clusters an input once into a full dendrogram (first pass optional) and returns a cut function.
 * @param input observations
 * @param firstPass greedy options, or null for HAC on every face
 * @param hacOptions linkage and the rest (any threshold is ignored: the full tree is built)
 * @returns labels per observation at any threshold
 */
export function dendrogramCutter(
  input: ClusterInput,
  firstPass: GreedyOptions | null,
  hacOptions: HacOptions,
): CutAt {
  const first = firstPass ? greedyFirstPass(input, firstPass) : null;
  const sp = secondPassInput(input, first);
  const tree = hac(sp.vectors, sp.dim, { ...hacOptions, threshold: undefined, mode: "dense" });
  return (t) => observationLabels(sp, cutDendrogram(tree.merges, sp.items.length, t));
}

/** Options of {@link runThresholdProtocol}. */
export interface ProtocolOptions {
  /** Seed of the identity split. */
  seed: number;
  devFraction?: number;
  /** Thresholds to sweep [thresholdGrid()]. */
  grid?: readonly number[];
  firstPass: GreedyOptions | null;
  hac: HacOptions;
}

/** Output of {@link runThresholdProtocol}. */
export interface ProtocolRun {
  split: IdentitySplit;
  dev: ThresholdCurve;
  test: ThresholdCurve;
  report: ProtocolReport;
  /** Labels of the test part's observations (ids in `testRows`) at any threshold. */
  testCut: CutAt;
  testRows: Int32Array;
}

/**
 * The whole protocol: split by identity, cluster dev and test separately (one dendrogram each), sweep the grid
 * on both, tune on dev, report on test with the oracle beside it.
 * @param input every observation
 * @param truth identity code per observation
 * @param options seed, grid and the clustering method
 * @returns curves, report, and the test part's cutter
 */
export function runThresholdProtocol(input: ClusterInput, truth: Int32Array, options: ProtocolOptions): ProtocolRun {
  const split = splitByIdentity(truth, { seed: options.seed, devFraction: options.devFraction });
  const grid = options.grid ?? thresholdGrid();
  const part = (mask: Uint8Array) => {
    const sub = subsetClusterInput(input, mask);
    const subTruth = Int32Array.from(sub.rows, (i) => truth[i]!);
    const cut = dendrogramCutter(sub.input, options.firstPass, options.hac);
    return { sub, subTruth, cut, curve: sweepThresholds(cut, subTruth, grid) };
  };
  const dev = part(split.dev), test = part(split.test);
  const report = tuneAndReport(dev.curve, test.curve, (t) => {
    const m = clusteringMetrics(test.cut(t), test.subTruth);
    return { f1: m.bcubed.f1, precision: m.bcubed.precision, recall: m.bcubed.recall };
  });
  return { split, dev: dev.curve, test: test.curve, report, testCut: test.cut, testRows: test.sub.rows };
}
