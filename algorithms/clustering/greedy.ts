/**
 * The conservative greedy first pass: observations in a fixed order (time by default) join the closest
 * existing cluster when the fused distance is ≤ t1, else start a new one. Clusters keep running sums of
 * face embeddings and per-moment sums of body embeddings.
 * @module
 */
import { fuseDistances, type FusionConfig, fusionConfig } from "../distance/fused.ts";

/**
 * Observations to cluster: embedding matrices plus, per observation, its face row, body row
 * (−1 = none) and moment (−1 = unknown). Built from a dataset by `datasets/cluster_input.ts`.
 */
export interface ClusterInput {
  /** Number of observations. */
  n: number;
  /** faces × faceDim, unit rows. */
  face: Float32Array;
  /** Face embedding length. */
  faceDim: number;
  /** Face row of each observation (−1: no face). */
  faceRow: Int32Array;
  /** bodies × bodyDim, unit rows, or null. */
  body: Float32Array | null;
  /** Body embedding length (0 without bodies). */
  bodyDim: number;
  /** Body row of each observation (−1: no body). */
  bodyRow: Int32Array;
  /** Moment of each observation (−1: unknown; never matches under the moment gate). */
  moment: Int32Array;
  /** Processing order of the first pass (a permutation of 0..n−1) [0, 1, …, n−1]. */
  order?: Int32Array;
}

/** Options of {@link greedyFirstPass}. */
export interface GreedyOptions {
  /** t1: join a cluster when D ≤ t1 [0.3]. */
  threshold?: number;
  /** Fused-distance parameters [DEFAULT_FUSION]. */
  fusion?: Partial<FusionConfig>;
}

/** Output of {@link greedyFirstPass}. */
export interface GreedyResult {
  /** Cluster of each observation, 0..k−1 in creation order. */
  labels: Int32Array;
  /** Number of clusters k. */
  clusters: number;
  /** CSR member lists: cluster c has `members[memberStart[c]..memberStart[c+1])`, in processing order. */
  memberStart: Int32Array;
  /** Observation ids, grouped by cluster (see `memberStart`). */
  members: Int32Array;
  /** k × faceDim L2-normalised mean face of each cluster (zero row when it has no face). */
  faceMeans: Float32Array;
  /** Faces per cluster. */
  faceCount: Int32Array;
  /** Observation–cluster distance evaluations made. */
  comparisons: number;
}

/** Fused distances below this are rounding of identical directions and count as 0. */
const ZERO_EPS = 1e-9;

/**
 * Runs the greedy first pass. Each observation is compared with every existing cluster: F against the
 * cluster's mean face, T against the cluster's mean body in the observation's moment (any moment when
 * `gateByMoment` is off); D = fuseDistances(F, T). It joins the closest cluster (ties: the older
 * cluster) when D ≤ t1, else starts a new cluster. O(n · k · d).
 *
 * @param input observations and embeddings
 * @param options t1 and fusion parameters
 * @returns labels, CSR member lists, mean faces
 * @throws {RangeError} on a negative threshold, a bad order, or rows out of range
 * @example
 * ```ts
 * import { greedyFirstPass } from "./greedy.ts";
 * const face = new Float32Array([1, 0, 1, 0, 0, 1]);
 * const r = greedyFirstPass({
 *   n: 3, face, faceDim: 2, faceRow: Int32Array.of(0, 1, 2), body: null, bodyDim: 0,
 *   bodyRow: Int32Array.of(-1, -1, -1), moment: Int32Array.of(0, 0, 0),
 * }, { threshold: 0.1 });
 * if (r.labels.join() !== "0,0,1") throw new Error();
 * ```
 */
export function greedyFirstPass(input: ClusterInput, options: GreedyOptions = {}): GreedyResult {
  const t1 = options.threshold ?? 0.3;
  if (!(t1 >= 0)) throw new RangeError(`first-pass threshold must be ≥ 0, got ${t1}`);
  const cfg = fusionConfig(options.fusion);
  const { n, face, faceDim, faceRow, body, bodyDim, bodyRow, moment } = input;
  const order = input.order ?? Int32Array.from({ length: n }, (_, i) => i);
  validateInput(input, order);
  const useBody = body !== null && cfg.beta > 0 && bodyDim > 0;

  let cap = 64;
  let faceSum: Float64Array = new Float64Array(cap * faceDim);
  let faceNorm: Float64Array = new Float64Array(cap);
  let faceCount: Int32Array = new Int32Array(cap);
  let k = 0;
  // Body sums per (cluster, moment key): a pool of vectors plus, per moment key, its clusters.
  let bodyPool: Float64Array = new Float64Array(64 * Math.max(1, bodyDim));
  let bodyPoolNorm: Float64Array = new Float64Array(64);
  let bodyPoolSize = 0;
  const byMoment = new Map<number, { cluster: number[]; slot: number[] }>();
  const labels = new Int32Array(n).fill(-1);
  let comparisons = 0;
  let fDist: Float64Array = new Float64Array(cap);
  let tDist: Float64Array = new Float64Array(cap).fill(NaN);

  for (let p = 0; p < n; p++) {
    const o = order[p]!;
    const fr = faceRow[o]!, br = useBody ? bodyRow[o]! : -1;
    const mkey = cfg.gateByMoment ? moment[o]! : 0;
    const gated = cfg.gateByMoment && mkey < 0;
    // F to every cluster with a face.
    if (fr >= 0) {
      const fo = fr * faceDim;
      // Divide by both norms: float32 "unit" rows are not exactly unit, and duplicates must give 0.
      let oo = 0;
      for (let j = 0; j < faceDim; j++) oo += face[fo + j]! * face[fo + j]!;
      const on = Math.sqrt(oo);
      for (let c = 0; c < k; c++) {
        if (faceCount[c] === 0) {
          fDist[c] = NaN;
          continue;
        }
        let s = 0;
        const co = c * faceDim;
        for (let j = 0; j < faceDim; j++) s += face[fo + j]! * faceSum[co + j]!;
        const d = 1 - s / (faceNorm[c]! * on);
        fDist[c] = d < 0 ? 0 : d;
      }
    } else fDist.fill(NaN, 0, k);
    // T to the clusters that have bodies in this moment.
    const entry = br >= 0 && !gated ? byMoment.get(mkey) : undefined;
    if (entry) {
      const bo = br * bodyDim;
      let oo = 0;
      for (let j = 0; j < bodyDim; j++) oo += body![bo + j]! * body![bo + j]!;
      const on = Math.sqrt(oo);
      for (let q = 0; q < entry.cluster.length; q++) {
        const c = entry.cluster[q]!, slot = entry.slot[q]!;
        let s = 0;
        const so = slot * bodyDim;
        for (let j = 0; j < bodyDim; j++) s += body![bo + j]! * bodyPool[so + j]!;
        const d = 1 - s / (bodyPoolNorm[slot]! * on);
        tDist[c] = d < 0 ? 0 : d;
      }
    }
    let best = Infinity, arg = -1;
    for (let c = 0; c < k; c++) {
      let d = fuseDistances(fDist[c]!, tDist[c]!, cfg);
      if (d < ZERO_EPS) d = 0;
      if (d < best) {
        best = d;
        arg = c;
      }
    }
    comparisons += k;
    if (entry) { for (const c of entry.cluster) tDist[c] = NaN; }
    let c = arg;
    if (!(best <= t1)) {
      c = k++;
      if (k > cap) {
        cap *= 2;
        faceSum = grow(faceSum, cap * faceDim);
        faceNorm = grow(faceNorm, cap);
        faceCount = growI(faceCount, cap);
        fDist = grow(fDist, cap);
        const nt = new Float64Array(cap).fill(NaN);
        nt.set(tDist);
        tDist = nt;
      }
    }
    labels[o] = c;
    if (fr >= 0) {
      const co = c * faceDim, fo = fr * faceDim;
      let s2 = 0;
      for (let j = 0; j < faceDim; j++) {
        const v = faceSum[co + j]! + face[fo + j]!;
        faceSum[co + j] = v;
        s2 += v * v;
      }
      faceNorm[c] = Math.sqrt(s2);
      faceCount[c]!++;
    }
    if (br >= 0 && !gated) {
      let e = byMoment.get(mkey);
      if (!e) byMoment.set(mkey, e = { cluster: [], slot: [] });
      let q = e.cluster.indexOf(c);
      if (q < 0) {
        if ((bodyPoolSize + 1) * bodyDim > bodyPool.length) {
          bodyPool = grow(bodyPool, bodyPool.length * 2);
          bodyPoolNorm = grow(bodyPoolNorm, bodyPoolNorm.length * 2);
        }
        e.cluster.push(c);
        e.slot.push(bodyPoolSize++);
        q = e.cluster.length - 1;
      }
      const so = e.slot[q]! * bodyDim, bo = br * bodyDim;
      let s2 = 0;
      for (let j = 0; j < bodyDim; j++) {
        const v = bodyPool[so + j]! + body![bo + j]!;
        bodyPool[so + j] = v;
        s2 += v * v;
      }
      bodyPoolNorm[e.slot[q]!] = Math.sqrt(s2);
    }
  }

  const memberStart = new Int32Array(k + 1);
  for (let i = 0; i < n; i++) memberStart[labels[i]! + 1]!++;
  for (let c = 0; c < k; c++) memberStart[c + 1]! += memberStart[c]!;
  const fill = memberStart.slice(0, k);
  const members = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const o = order[p]!;
    members[fill[labels[o]!]!++] = o;
  }
  const faceMeans = new Float32Array(k * faceDim);
  for (let c = 0; c < k; c++) {
    if (faceCount[c] === 0) continue;
    const inv = 1 / faceNorm[c]!;
    for (let j = 0; j < faceDim; j++) faceMeans[c * faceDim + j] = faceSum[c * faceDim + j]! * inv;
  }
  return { labels, clusters: k, memberStart, members, faceMeans, faceCount: faceCount.slice(0, k), comparisons };
}

function grow(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function growI(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Checks shapes and row indices once at the boundary. */
export function validateInput(input: ClusterInput, order: Int32Array): void {
  const { n, face, faceDim, faceRow, body, bodyDim, bodyRow, moment } = input;
  if (faceRow.length !== n || bodyRow.length !== n || moment.length !== n) {
    throw new TypeError(`faceRow, bodyRow and moment must have n = ${n} entries`);
  }
  if (order.length !== n) throw new RangeError(`order has ${order.length} entries, expected ${n}`);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = order[i]!;
    if (!(o >= 0 && o < n) || seen[o]) throw new RangeError(`order is not a permutation of 0..${n - 1}`);
    seen[o] = 1;
  }
  const faces = faceDim > 0 ? face.length / faceDim : 0;
  const bodies = body && bodyDim > 0 ? body.length / bodyDim : 0;
  for (let i = 0; i < n; i++) {
    if (faceRow[i]! >= faces) throw new RangeError(`observation ${i}: face row ${faceRow[i]} ≥ ${faces} faces`);
    if (bodyRow[i]! >= 0 && body && bodyRow[i]! >= bodies) {
      throw new RangeError(`observation ${i}: body row ${bodyRow[i]} ≥ ${bodies} bodies`);
    }
  }
}
