/**
 * The two-pass clustering of the article: a conservative greedy first pass on fused face + body
 * distances, then HAC on faces over the first-pass clusters (their L2-normalised mean faces).
 * @module
 */
import { hac, type HacOptions, type HacResult } from "../hac/hac.ts";
import { type ClusterInput, greedyFirstPass, type GreedyOptions, type GreedyResult, validateInput } from "./greedy.ts";

/** Options of {@link twoPassCluster}. */
export interface TwoPassOptions {
  /** Greedy first-pass options, or null to run HAC directly on the observations' faces [{}]. */
  firstPass?: GreedyOptions | null;
  /** Second-pass HAC options (linkage, threshold, …). */
  hac: HacOptions;
}

/** Output of {@link twoPassCluster}. */
export interface TwoPassResult {
  /** Final cluster of each observation, 0..k−1 by first appearance. */
  labels: Int32Array;
  /** First-pass cluster of each observation (identity when the first pass is off). */
  firstPassLabels: Int32Array;
  /** The first pass's full result (null when it was off). */
  firstPass: GreedyResult | null;
  /** The HAC run; its items are `hacItems`. */
  hac: HacResult;
  /** What each HAC point is: a first-pass cluster id (or an observation id without a first pass). */
  hacItems: Int32Array;
}

/** The second pass's input: one unit face vector per HAC item. */
export interface SecondPassInput {
  /** items × dim unit rows. */
  vectors: Float32Array;
  /** Row length. */
  dim: number;
  /** First-pass cluster id (or observation id without a first pass) of each HAC item. */
  items: Int32Array;
  /** First-pass label of each observation (identity without a first pass). */
  firstPassLabels: Int32Array;
  /** Number of first-pass units (clusters, or observations). */
  units: number;
}

/**
 * Builds the second pass's vectors: the mean faces of first-pass clusters that have a face, or the
 * faces of the observations when `first` is null. Face-less units take no part in the face HAC.
 *
 * @param input observations
 * @param first the first-pass result, or null
 * @returns vectors, their items and the first-pass labels
 */
export function secondPassInput(input: ClusterInput, first: GreedyResult | null): SecondPassInput {
  const n = input.n, dim = input.faceDim;
  const withFace: number[] = [];
  if (first) {
    for (let c = 0; c < first.clusters; c++) if (first.faceCount[c]! > 0) withFace.push(c);
  } else {
    validateInput(input, input.order ?? Int32Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) if (input.faceRow[i]! >= 0) withFace.push(i);
  }
  const items = Int32Array.from(withFace);
  const vectors = new Float32Array(items.length * dim);
  for (let q = 0; q < items.length; q++) {
    const src = first ? first.faceMeans : input.face;
    const r = first ? items[q]! : input.faceRow[items[q]!]!;
    vectors.set(src.subarray(r * dim, (r + 1) * dim), q * dim);
  }
  return {
    vectors,
    dim,
    items,
    firstPassLabels: first ? first.labels : Int32Array.from({ length: n }, (_, i) => i),
    units: first ? first.clusters : n,
  };
}

/**
 * Maps HAC labels of the second-pass items back to observations. Face-less units each get a cluster
 * of their own. Labels are renumbered 0..k−1 by first appearance over observation ids.
 *
 * @param sp the second-pass input
 * @param hacLabels a label per item (from `hac()` or a dendrogram cut)
 * @returns a label per observation
 */
export function observationLabels(sp: SecondPassInput, hacLabels: Int32Array): Int32Array {
  const unitLabel = new Int32Array(sp.units).fill(-1);
  let next = 0;
  for (let q = 0; q < sp.items.length; q++) {
    unitLabel[sp.items[q]!] = hacLabels[q]!;
    next = Math.max(next, hacLabels[q]! + 1);
  }
  for (let u = 0; u < sp.units; u++) if (unitLabel[u]! < 0) unitLabel[u] = next++;
  const n = sp.firstPassLabels.length;
  const map = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const raw = unitLabel[sp.firstPassLabels[i]!]!;
    let l = map.get(raw);
    if (l === undefined) map.set(raw, l = map.size);
    labels[i] = l;
  }
  return labels;
}

/**
 * Clusters observations in two passes (greedy first pass, then HAC on faces over its clusters).
 *
 * @param input observations (see {@link ClusterInput})
 * @param options first-pass and HAC options
 * @returns final labels, first-pass labels, and the HAC result with its per-merge instrumentation
 * @throws {RangeError} on invalid options or rows (see {@link greedyFirstPass} and {@link hac})
 */
export function twoPassCluster(input: ClusterInput, options: TwoPassOptions): TwoPassResult {
  const fp = options.firstPass === undefined ? {} : options.firstPass;
  const first = fp === null ? null : greedyFirstPass(input, fp);
  const sp = secondPassInput(input, first);
  const h = hac(sp.vectors, sp.dim, options.hac);
  return {
    labels: observationLabels(sp, h.labels),
    firstPassLabels: sp.firstPassLabels,
    firstPass: first,
    hac: h,
    hacItems: sp.items,
  };
}
