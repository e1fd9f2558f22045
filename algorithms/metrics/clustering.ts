/**
 * Clustering metrics against ground truth: pairwise and BCubed precision/recall/F1, ARI, NMI.
 *
 * Label conventions (the same everywhere in PeopleBench):
 * - truth −1 means "identity unknown": the observation is left out of every metric;
 * - pred −1 means "unclustered / filtered": each such observation counts as its own singleton cluster,
 *   so filtering costs recall, never precision.
 *
 * Definitions follow scikit-learn (ARI, NMI with arithmetic normalisation) and Amigó et al. 2009 (BCubed).
 * Cost O(n) plus a hash of the contingency table.
 *
 * @module
 */

/** Precision, recall and their harmonic mean. */
export interface PrecisionRecall {
  precision: number;
  recall: number;
  f1: number;
}

/** Every clustering metric PeopleBench reports. */
export interface ClusteringMetrics {
  /** Observations evaluated (truth ≠ −1). */
  n: number;
  pairwise: PrecisionRecall;
  bcubed: PrecisionRecall;
  /** Adjusted Rand index. */
  ari: number;
  /** Normalised mutual information, arithmetic mean normalisation (scikit-learn's default). */
  nmi: number;
  /** Predicted clusters among evaluated observations (each pred −1 counts as one). */
  clusters: number;
  /** True identities among evaluated observations. */
  identities: number;
  /** Fraction of evaluated observations alone in their predicted cluster. */
  singletonRate: number;
}

/** Whether higher is better, for each metric key (used by gates and reports). */
export const CLUSTERING_METRIC_DIRECTIONS: Readonly<Record<string, "higher" | "lower" | "none">> = {
  "pairwise.precision": "higher",
  "pairwise.recall": "higher",
  "pairwise.f1": "higher",
  "bcubed.precision": "higher",
  "bcubed.recall": "higher",
  "bcubed.f1": "higher",
  ari: "higher",
  nmi: "higher",
  clusters: "none",
  identities: "none",
  singletonRate: "none",
  n: "none",
};

function f1(p: number, r: number): number {
  return p + r > 0 ? (2 * p * r) / (p + r) : 0;
}

/** Dense relabelling of the evaluated items: truth codes, pred codes (pred −1 → fresh singleton codes). */
interface Encoded {
  n: number;
  t: Int32Array;
  p: Int32Array;
  kt: number;
  kp: number;
}

function encode(pred: Int32Array, truth: Int32Array, mask?: Uint8Array): Encoded {
  if (pred.length !== truth.length) {
    throw new RangeError(`pred has ${pred.length} labels, truth has ${truth.length}`);
  }
  const tMap = new Map<number, number>(), pMap = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i]! >= 0 && (!mask || mask[i])) n++;
  const t = new Int32Array(n), p = new Int32Array(n);
  let k = 0, kp = 0;
  for (let i = 0; i < truth.length; i++) {
    const ti = truth[i]!, pi = pred[i]!;
    if (ti < 0 || (mask && !mask[i])) continue;
    if (!Number.isInteger(pi) || pi < -1) throw new RangeError(`pred label ${pi} at ${i} is not an integer ≥ −1`);
    let a = tMap.get(ti);
    if (a === undefined) tMap.set(ti, a = tMap.size);
    let b: number;
    if (pi === -1) b = kp++;
    else {
      const known = pMap.get(pi);
      if (known === undefined) {
        b = kp++;
        pMap.set(pi, b);
      } else b = known;
    }
    t[k] = a;
    p[k] = b;
    k++;
  }
  return { n, t, p, kt: tMap.size, kp };
}

/** Sparse contingency table: counts per (truth, pred) cell plus row and column sums. */
function contingency(
  e: Encoded,
): { cells: Float64Array; rowSum: Float64Array; colSum: Float64Array; cellT: Int32Array; cellP: Int32Array } {
  const rowSum = new Float64Array(e.kt), colSum = new Float64Array(e.kp);
  const index = new Map<number, number>();
  const counts: number[] = [], ct: number[] = [], cp: number[] = [];
  for (let i = 0; i < e.n; i++) {
    const a = e.t[i]!, b = e.p[i]!;
    rowSum[a]!++;
    colSum[b]!++;
    const key = a * e.kp + b;
    const c = index.get(key);
    if (c === undefined) {
      index.set(key, counts.length);
      counts.push(1);
      ct.push(a);
      cp.push(b);
    } else counts[c]!++;
  }
  return {
    cells: Float64Array.from(counts),
    rowSum,
    colSum,
    cellT: Int32Array.from(ct),
    cellP: Int32Array.from(cp),
  };
}

function comb2(x: number): number {
  return (x * (x - 1)) / 2;
}

/**
 * Computes every clustering metric of `pred` against `truth`.
 *
 * @param pred predicted cluster per observation (−1 = unclustered)
 * @param truth true identity per observation (−1 = unknown, left out)
 * @param options.mask optional 0/1 per observation: evaluate only where 1 (clusters still as given)
 * @returns the metrics; with no evaluated observation every score is NaN
 * @throws {RangeError} when lengths differ or a label is not an integer ≥ −1
 *
 * @example
 * ```ts
 * import { clusteringMetrics } from "./clustering.ts";
 * const m = clusteringMetrics(Int32Array.of(0, 0, 1), Int32Array.of(5, 5, 7));
 * if (m.ari !== 1) throw new Error("a perfect partition scores 1");
 * ```
 */
export function clusteringMetrics(
  pred: Int32Array,
  truth: Int32Array,
  options: { mask?: Uint8Array } = {},
): ClusteringMetrics {
  const e = encode(pred, truth, options.mask);
  const n = e.n;
  if (n === 0) {
    const nan = { precision: NaN, recall: NaN, f1: NaN };
    return { n: 0, pairwise: nan, bcubed: nan, ari: NaN, nmi: NaN, clusters: 0, identities: 0, singletonRate: NaN };
  }
  const { cells, rowSum, colSum, cellT, cellP } = contingency(e);

  // Pairwise (pair counting) and BCubed both come from the contingency table.
  let tp = 0, bcP = 0, bcR = 0, sumSqCells = 0;
  for (let c = 0; c < cells.length; c++) {
    const v = cells[c]!;
    tp += comb2(v);
    sumSqCells += v * v;
    bcP += (v * v) / colSum[cellP[c]!]!;
    bcR += (v * v) / rowSum[cellT[c]!]!;
  }
  let predPairs = 0, truePairs = 0, singletons = 0;
  for (let b = 0; b < e.kp; b++) {
    predPairs += comb2(colSum[b]!);
    if (colSum[b] === 1) singletons++;
  }
  for (let a = 0; a < e.kt; a++) truePairs += comb2(rowSum[a]!);
  // Conventions for empty denominators: no predicted pairs → precision 1; no true pairs → recall 1.
  const pp = predPairs > 0 ? tp / predPairs : 1;
  const pr = truePairs > 0 ? tp / truePairs : 1;
  const bp = bcP / n, br = bcR / n;

  return {
    n,
    pairwise: { precision: pp, recall: pr, f1: f1(pp, pr) },
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    ari: adjustedRand(n, tp, predPairs, truePairs, e.kt, e.kp),
    nmi: normalizedMutualInfo(n, cells, cellT, cellP, rowSum, colSum, e.kt, e.kp),
    clusters: e.kp,
    identities: e.kt,
    singletonRate: singletons / n,
  };
}

/** ARI from pair counts, in scikit-learn's pair-confusion form (including its special cases). */
function adjustedRand(n: number, tp: number, predPairs: number, truePairs: number, kt: number, kp: number): number {
  if ((kt === kp && (kt === 1 || kt === 0)) || (kt === kp && kt === n)) return 1;
  // sklearn's pair confusion counts ordered pairs: every count doubles, which cancels in the ratio.
  const fp = predPairs - tp, fn = truePairs - tp;
  const tn = comb2(n) - tp - fp - fn;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

function entropy(sums: Float64Array, n: number): number {
  let h = 0;
  for (const s of sums) if (s > 0) h -= (s / n) * (Math.log(s) - Math.log(n));
  return h;
}

function normalizedMutualInfo(
  n: number,
  cells: Float64Array,
  cellT: Int32Array,
  cellP: Int32Array,
  rowSum: Float64Array,
  colSum: Float64Array,
  kt: number,
  kp: number,
): number {
  if (kt === kp && (kt === 1 || kt === 0)) return 1;
  let mi = 0;
  const logN = Math.log(n);
  for (let c = 0; c < cells.length; c++) {
    const v = cells[c]!;
    mi += (v / n) * (Math.log(v) + logN - Math.log(rowSum[cellT[c]!]!) - Math.log(colSum[cellP[c]!]!));
  }
  mi = Math.max(mi, 0);
  if (mi === 0) return 0;
  const norm = (entropy(rowSum, n) + entropy(colSum, n)) / 2;
  return mi / norm;
}

/** Metrics for one subgroup value of one attribute. */
export interface SubgroupMetrics {
  attribute: string;
  group: string;
  /** Observations of the group that were evaluated. */
  n: number;
  metrics: ClusteringMetrics;
}

/**
 * Per-subgroup breakdown: for each value of a categorical attribute, the metrics restricted to the
 * observations of that group. Clusters are the full predicted clusters, so BCubed precision still
 * counts other groups' members that were merged into a group member's cluster.
 *
 * BCubed is per item, so its subgroup figures are averages over the group's items with clusters over
 * everyone; pairwise and ARI/NMI are computed on the group's items only.
 *
 * @param attribute the column name, carried into the output
 * @param codes group code per observation (−1 = unknown, left out)
 * @param values the group names, indexed by code
 */
export function subgroupMetrics(
  pred: Int32Array,
  truth: Int32Array,
  attribute: string,
  codes: Int32Array,
  values: readonly string[],
): SubgroupMetrics[] {
  const out: SubgroupMetrics[] = [];
  const e = encode(pred, truth);
  // BCubed per item against full clusters needs the full contingency; compute per-item scores once.
  const { cells, rowSum, colSum, cellT, cellP } = contingency(e);
  const cellOf = new Map<number, number>();
  for (let c = 0; c < cells.length; c++) cellOf.set(cellT[c]! * e.kp + cellP[c]!, cells[c]!);
  const itemP = new Float64Array(truth.length).fill(NaN), itemR = new Float64Array(truth.length).fill(NaN);
  for (let i = 0, k = 0; i < truth.length; i++) {
    if (truth[i]! < 0) continue;
    const a = e.t[k]!, b = e.p[k]!;
    const v = cellOf.get(a * e.kp + b)!;
    itemP[i] = v / colSum[b]!;
    itemR[i] = v / rowSum[a]!;
    k++;
  }
  for (let g = 0; g < values.length; g++) {
    const mask = new Uint8Array(truth.length);
    let sp = 0, sr = 0, count = 0;
    for (let i = 0; i < truth.length; i++) {
      if (codes[i] !== g) continue;
      mask[i] = 1;
      if (truth[i]! >= 0) {
        sp += itemP[i]!;
        sr += itemR[i]!;
        count++;
      }
    }
    if (count === 0) continue;
    const m = clusteringMetrics(pred, truth, { mask });
    const bp = sp / count, br = sr / count;
    m.bcubed = { precision: bp, recall: br, f1: f1(bp, br) };
    out.push({ attribute, group: values[g]!, n: count, metrics: m });
  }
  return out;
}
