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
  firstPass: GreedyResult | null;
  /** The HAC run; its items are `hacItems`. */
  hac: HacResult;
  /** What each HAC point is: a first-pass cluster id (or an observation id without a first pass). */
  hacItems: Int32Array;
}

/**
 * Clusters observations in two passes. Face-less first-pass clusters (body-only) take no part in the
 * face HAC and stay clusters of their own; without a first pass, face-less observations are singletons.
 *
 * @param input observations (see {@link ClusterInput})
 * @param options first-pass and HAC options
 * @returns final labels, first-pass labels, and the HAC result with its per-merge instrumentation
 * @throws {RangeError} on invalid options or rows (see {@link greedyFirstPass} and {@link hac})
 */
export function twoPassCluster(input: ClusterInput, options: TwoPassOptions): TwoPassResult {
  const n = input.n;
  const fp = options.firstPass === undefined ? {} : options.firstPass;
  let first: GreedyResult | null = null;
  let firstLabels: Int32Array;
  let items: Int32Array;
  let vectors: Float32Array;
  const dim = input.faceDim;
  if (fp !== null) {
    first = greedyFirstPass(input, fp);
    firstLabels = first.labels;
    const withFace: number[] = [];
    for (let c = 0; c < first.clusters; c++) if (first.faceCount[c]! > 0) withFace.push(c);
    items = Int32Array.from(withFace);
    vectors = new Float32Array(items.length * dim);
    for (let q = 0; q < items.length; q++) {
      vectors.set(first.faceMeans.subarray(items[q]! * dim, (items[q]! + 1) * dim), q * dim);
    }
  } else {
    validateInput(input, input.order ?? Int32Array.from({ length: n }, (_, i) => i));
    firstLabels = Int32Array.from({ length: n }, (_, i) => i);
    const withFace: number[] = [];
    for (let i = 0; i < n; i++) if (input.faceRow[i]! >= 0) withFace.push(i);
    items = Int32Array.from(withFace);
    vectors = new Float32Array(items.length * dim);
    for (let q = 0; q < items.length; q++) {
      const r = input.faceRow[items[q]!]!;
      vectors.set(input.face.subarray(r * dim, (r + 1) * dim), q * dim);
    }
  }
  const h = hac(vectors, dim, options.hac);
  // Map: first-pass cluster (or observation) → final label; face-less ones get fresh labels.
  const units = first ? first.clusters : n;
  const unitLabel = new Int32Array(units).fill(-1);
  let next = 0;
  for (let q = 0; q < items.length; q++) {
    unitLabel[items[q]!] = h.labels[q]!;
    next = Math.max(next, h.labels[q]! + 1);
  }
  for (let u = 0; u < units; u++) if (unitLabel[u]! < 0) unitLabel[u] = next++;
  const raw = new Int32Array(n);
  for (let i = 0; i < n; i++) raw[i] = unitLabel[firstLabels[i]!]!;
  // Renumber by first appearance over observation ids.
  const map = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let l = map.get(raw[i]!);
    if (l === undefined) map.set(raw[i]!, l = map.size);
    labels[i] = l;
  }
  return { labels, firstPassLabels: firstLabels, firstPass: first, hac: h, hacItems: items };
}
