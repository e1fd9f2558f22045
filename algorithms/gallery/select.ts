/**
 * Gallery selection: which clusters of a clustering are "known people" worth recognising.
 *
 * A cluster enters the gallery when it passes every test below, in this order (the first failing test is
 * recorded as its decision); user-confirmed clusters skip all tests and always enter.
 * 1. `too-small`: size < max(minSize, ⌈minFraction · n⌉), n = observations labelled by the clustering — the
 *    minimum grows with the library (a person with 3 photos matters in a library of 300, not of 30,000).
 * 2. `below-knee`: size < the knee of the sorted sizes (Kneedle, Satopää et al. 2011, on log sizes: the first
 *    size of the long tail, i.e. clusters strictly inside the tail are dropped), when the
 *    curve has a clear knee (normalised distance from the chord ≥ kneeMinDistance).
 * 3. `spread`: mean cosine distance of the members to their normalised mean > maxSpread (an incoherent,
 *    mixed cluster).
 * 4. `separation`: cosine distance from its centroid to a larger, already selected cluster's centroid
 *    < minSeparation (a likely duplicate of that person: its faces are recognised as the larger one).
 * 5. `max-persons`: the gallery already holds maxPersons persons (largest first).
 *
 * @module
 */

/** Options of {@link selectGallery}; every field has a default. */
export interface GallerySelectionOptions {
  /** Absolute minimum cluster size [3]. */
  minSize?: number;
  /** Minimum size as a fraction of the labelled observations [0.001]. */
  minFraction?: number;
  /** Also require size ≥ the knee of the sorted sizes [true]. */
  knee?: boolean;
  /** Only use a knee whose normalised distance from the chord is at least this [0.15]. */
  kneeMinDistance?: number;
  /** Maximum mean cosine distance to the centroid [0.6]. */
  maxSpread?: number;
  /** Minimum cosine distance to a larger selected centroid [0.1]. */
  minSeparation?: number;
  /** Cluster ids confirmed or named by the user: always selected [none]. */
  confirmed?: Iterable<number>;
  /** Largest gallery size [unlimited]. */
  maxPersons?: number;
}

/** Per-cluster decision of {@link selectGallery}. */
export type GalleryDecision =
  | "confirmed"
  | "selected"
  | "too-small"
  | "below-knee"
  | "spread"
  | "separation"
  | "max-persons";

/** Result of {@link selectGallery}. */
export interface GallerySelection {
  /** Selected cluster ids: confirmed first, then by decreasing size (ties: lower id). */
  persons: Int32Array;
  /** Every cluster id (≥ 0) of the clustering, ascending. */
  clusters: Int32Array;
  /** Size of each cluster in `clusters`. */
  size: Int32Array;
  /** Mean cosine distance to the centroid for each cluster. */
  spread: Float64Array;
  /** Decision for each cluster. */
  decision: GalleryDecision[];
  /** The size threshold from minSize and minFraction. */
  minSize: number;
  /** The knee size used (0 when no knee was applied). */
  kneeSize: number;
}

/**
 * Kneedle on a decreasing sequence of sizes (log scale): the size at the largest distance below the chord.
 *
 * @param sortedDesc sizes, decreasing.
 * @param minDistance minimum normalised distance for a knee to count.
 * @returns the knee size, or 0 when there is no clear knee.
 */
export function kneeSize(sortedDesc: ArrayLike<number>, minDistance = 0.15): number {
  const m = sortedDesc.length;
  if (m < 3) return 0;
  const hi = Math.log(sortedDesc[0]!), lo = Math.log(sortedDesc[m - 1]!);
  if (!(hi > lo)) return 0;
  let best = -1, bd = -Infinity;
  for (let i = 0; i < m; i++) {
    const x = i / (m - 1), y = (Math.log(sortedDesc[i]!) - lo) / (hi - lo);
    const d = (1 - x) - y;
    if (d > bd) (bd = d, best = i);
  }
  return bd >= minDistance ? sortedDesc[best]! : 0;
}

/**
 * Chooses the gallery persons from a clustering.
 *
 * @param embeddings n × dim, unit rows.
 * @param dim dimension.
 * @param labels cluster per row (−1: unclustered, ignored).
 * @param options thresholds (see the module documentation for the order of the tests).
 * @returns the selected cluster ids and the per-cluster statistics and decisions.
 * @throws {TypeError} when the lengths disagree.
 * @example
 * ```ts
 * import { selectGallery } from "./select.ts";
 * const x = new Float32Array([1, 0, 1, 0, 1, 0, 0, 1]);
 * const s = selectGallery(x, 2, new Int32Array([5, 5, 5, 9]), { minSize: 2, knee: false });
 * if (s.persons.length !== 1 || s.persons[0] !== 5) throw new Error("unexpected");
 * ```
 */
export function selectGallery(
  embeddings: Float32Array,
  dim: number,
  labels: Int32Array,
  options: GallerySelectionOptions = {},
): GallerySelection {
  const n = labels.length;
  if (embeddings.length !== n * dim) {
    throw new TypeError(`Embeddings have length ${embeddings.length}, expected ${n} labels × ${dim}`);
  }
  const index = new Map<number, number>();
  let labelled = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (l < 0) continue;
    labelled++;
    if (!index.has(l)) index.set(l, 0);
  }
  const clusters = Int32Array.from([...index.keys()].sort((a, b) => a - b));
  clusters.forEach((c, k) => index.set(c, k));
  const m = clusters.length;
  const size = new Int32Array(m), sums = new Float64Array(m * dim);
  for (let i = 0; i < n; i++) {
    const k = index.get(labels[i]!);
    if (k === undefined) continue;
    size[k]!++;
    for (let t = 0; t < dim; t++) sums[k * dim + t]! += embeddings[i * dim + t]!;
  }
  const centroids = new Float64Array(m * dim);
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += sums[k * dim + t]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let t = 0; t < dim; t++) centroids[k * dim + t] = sums[k * dim + t]! * inv;
  }
  const spread = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const k = index.get(labels[i]!);
    if (k === undefined) continue;
    let s = 0;
    for (let t = 0; t < dim; t++) s += embeddings[i * dim + t]! * centroids[k * dim + t]!;
    spread[k]! += 1 - s;
  }
  for (let k = 0; k < m; k++) spread[k]! /= Math.max(1, size[k]!);

  const minSize = Math.max(options.minSize ?? 3, Math.ceil((options.minFraction ?? 0.001) * labelled));
  const order = Int32Array.from({ length: m }, (_, k) => k).sort((a, b) => size[b]! - size[a]! || a - b);
  const knee = (options.knee ?? true) ? kneeSize(Array.from(order, (k) => size[k]!), options.kneeMinDistance) : 0;
  const confirmed = new Set(options.confirmed ?? []);
  const maxSpread = options.maxSpread ?? 0.6, minSep = options.minSeparation ?? 0.1;
  const maxPersons = options.maxPersons ?? Infinity;
  const decision: GalleryDecision[] = new Array(m).fill("too-small");
  const chosen: number[] = [];
  for (let k = 0; k < m; k++) if (confirmed.has(clusters[k]!)) (decision[k] = "confirmed", chosen.push(k));
  for (const k of order) {
    if (decision[k] === "confirmed") continue;
    let d: GalleryDecision = "selected";
    if (size[k]! < minSize) d = "too-small";
    else if (size[k]! < knee) d = "below-knee";
    else if (spread[k]! > maxSpread) d = "spread";
    else {
      for (const c of chosen) {
        let s = 0;
        for (let t = 0; t < dim; t++) s += centroids[k * dim + t]! * centroids[c * dim + t]!;
        if (1 - s < minSep) d = "separation";
      }
      if (d === "selected" && chosen.length >= maxPersons) d = "max-persons";
    }
    decision[k] = d;
    if (d === "selected") chosen.push(k);
  }
  return {
    persons: Int32Array.from(chosen, (k) => clusters[k]!),
    clusters,
    size,
    spread,
    decision,
    minSize,
    kneeSize: knee,
  };
}
