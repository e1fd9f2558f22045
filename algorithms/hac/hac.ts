/**
 * Hierarchical agglomerative clustering of L2-normalised vectors under cosine distance, with every
 * linkage of the article's comparison, exact, instrumented per merge.
 *
 * @module
 */
import {
  type AsyncGemmProvider,
  type GemmProvider,
  layoutCosineDistances,
  layoutCosineDistancesAsync,
  type ThresholdEdges,
  thresholdEdges,
  thresholdEdgesAsync,
} from "../distance/cosine.ts";
import { condensedLayout, type PairLayout, tiledLayout } from "../distance/layout.ts";
import { genericCore, lazyReducibleCore, nnChainCore } from "./_cores.ts";
import type { CoreResult } from "./_merge_recorder.ts";
import { rnnBatchCore } from "./_rnn_batch.ts";
import { canonicalLabels, toScipyLinkage } from "./dendrogram.ts";
import { DisjointSets } from "./disjoint_sets.ts";
import {
  type Algorithm,
  getLinkage,
  type Linkage,
  type LinkageStrategy,
  type MergeLoop,
  mergeLoopFor,
} from "./linkage.ts";
import { newPairContext, pairSource } from "./pair_context.ts";
import { MEDIAN_SWEEP_MAX_POINTS, medianSweepCore } from "./_median_sweep.ts";

export { type Algorithm, ALGORITHMS } from "./linkage.ts";

/** Above this many points, `mode: "auto"` with a threshold uses the sparse (component) mode. */
export const DENSE_LIMIT = 30_000;

/** Options of {@link hac}. */
export interface HacOptions {
  /** Linkage id (see `LINKAGES`). */
  linkage: Linkage;
  /** Stop merging above this distance; undefined builds the full dendrogram [undefined]. */
  threshold?: number;
  /**
   * S for `median-sampled`: a cluster of more than k = ⌈√S⌉ members is represented by about k seeded
   * random members, so a linkage reads ≥ S (typically ≤ 4S) pairs [64].
   */
  samplePairs?: number;
  /** Seed of `median-sampled` [0]. */
  seed?: number;
  /**
   * `dense`: one float32 matrix (the medians keep it intact and add their own state: the sweep a window of
   * pairs and its counters, the generic loops a 16-bit bound per pair); `sparse`: threshold graph → connected components → each clustered densely and exactly
   * (needs a threshold); `auto`: sparse when a threshold is given and n > {@link DENSE_LIMIT} [auto].
   */
  mode?: "auto" | "dense" | "sparse";
  /** Millisecond clock (e.g. `performance.now`) for the per-merge timings; none → times are 0 [none]. */
  clock?: () => number;
  /** GEMM for building distances [`defaultGemm()`: WebAssembly SIMD, or the typed-array loop]. */
  gemm?: GemmProvider;
  /**
   * Precomputed distances (float32, e.g. from an onnxruntime GEMM) in the layout named by `layout`:
   * scipy's condensed order unless `layout: "tiled"`. Consumed: the Lance–Williams linkages overwrite it
   * in place (that is how dense mode stays at one matrix).
   */
  distances?: Float32Array;
  /**
   * Memory layout of the dense matrix (see `algorithms/distance/layout.ts`): `condensed` (scipy order) or
   * `tiled` (4 × 4 tiles in 64 × 64 super-tiles: column reads share cache lines; measured slower at
   * N = 20,000, kept for comparisons) [condensed].
   */
  layout?: "tiled" | "condensed";
  /**
   * Merge loop; `auto` takes the first loop of the linkage's table entry, and a loop that does not run the
   * linkage is an error (the table in `linkage.ts` lists each linkage's loops).
   * - single, complete, average: `rnn-batch` merges every reciprocal-nearest-neighbour pair of a round at
   *   once, in row-ordered passes (the fastest; splits over `threads`); `nn-chain` is SciPy's algorithm,
   *   one merge at a time (true per-merge timings); `auto` = `rnn-batch`. Same dendrogram.
   * - median, median-sampled: `sweep` visits the point pairs once in increasing distance with a counter per
   *   cluster pair (the fastest; n ≤ 46,340, else the generic loop); `generic` is the greedy priority-queue
   *   loop (lazily evaluated medians for the exact one; ties between equal linkages broken by smallest
   *   slots, as fastcluster does); `auto` = `sweep`. Same dendrogram; with exactly equal linkages the sweep
   *   may merge tied pairs in another order.
   * [auto]
   */
  algorithm?: Algorithm;
  /**
   * Threads (the calling thread plus workers) for `rnn-batch` and for the distance blocks `hac` builds
   * with the default kernel. The dense matrix must live in a SharedArrayBuffer: `hac`/`hacAsync` allocate
   * it so when they build it; given `distances` over a plain ArrayBuffer run on one thread [1].
   */
  threads?: number;
  /** Precomputed threshold graph for sparse mode (all pairs with distance ≤ threshold). */
  edges?: ThresholdEdges;
  /**
   * Gather buffer for exact medians, in floats; larger pair sets are streamed (a bucket-count pass, then
   * only the median's bucket gathered) [2,097,152].
   */
  scratchPairs?: number;
}

/** Output of {@link hac}. */
export interface HacResult {
  /** Flat clusters at the threshold (0..k−1 by first appearance); all 0 for a full dendrogram. */
  labels: Int32Array;
  /** m × 4 rows `[a, b, height, size]` in SciPy's linkage format (m = n − 1 when full). */
  merges: Float64Array;
  /** Merges lower than the merge before them (only `median-sampled` can have any). */
  inversions: number;
  /** Per merge (iteration): wall seconds since the previous merge, and pair distances read. */
  iterations: { seconds: Float64Array; pairDistances: Float64Array };
  /** The mode that ran. */
  mode: "dense" | "sparse";
  /** Connected components of the threshold graph (sparse mode; 1 in dense mode). */
  components: number;
}

/**
 * Clusters n unit vectors by HAC with cosine distance.
 *
 * Single, complete and average linkage run as batched reciprocal-nearest-neighbour rounds by default
 * (`algorithm`, `threads`) or as SciPy's NN-chain; both give the same dendrogram. Tie rule (documented
 * for comparisons with SciPy): the NN-chain follows SciPy's `nn_chain` exactly (previous chain element
 * wins a tie, then the lowest index), then merges are stable-sorted by height and relabelled like
 * SciPy; rounds may list merges of exactly equal height in another order (same cuts). The exact and the
 * sampled median run a distance sweep that makes the textbook greedy merges (globally closest pair, ties
 * to the pair with the smallest first members); with `algorithm: "generic"` they run the generic
 * priority-queue algorithm with fastcluster's tie handling.
 *
 * Complexity: single/complete/average O(n²) time (rounds: O(n²) per round on the contiguous halves of
 * the rows, a few dozen rounds) and n(n−1)/2 floats. Medians (sweep): the float32 point distances (kept:
 * the median has no update rule), a window of ≤ 2²⁴ pairs and a counter per cluster pair that has seen a
 * pair; O(n²) passes over the matrix plus one hash probe per pair below the final height (sampled: only
 * pairs of representatives are counted, plus one row pass per member that drops out, ≤ n of them).
 * Generic loops: the point distances plus a 16-bit bound per pair; exact median O(n) per merge plus the
 * exact medians needed (|A|·|C| reads each), sampled median O(n·k²) per merge (k ≈ √S representatives a
 * side). Sparse mode: O(n²·d) flops for the threshold graph plus the dense cost
 * of each component.
 *
 * @param vectors row-major n × dim, L2-normalised rows
 * @param dim row length
 * @param options linkage, threshold and the rest of {@link HacOptions}
 * @returns labels, SciPy-format merges, inversions, per-iteration instrumentation
 * @throws {TypeError} when the shapes do not match
 * @throws {RangeError} for NaN/Inf or non-unit rows, a negative threshold, an unknown linkage, or a
 *   dense problem too large to hold
 * @example
 * ```ts
 * import { hac } from "./hac.ts";
 * const v = new Float32Array([1, 0, 0.99, 0.14107, 0, 1]);
 * const r = hac(v, 2, { linkage: "average", threshold: 0.1 });
 * if (r.labels.join() !== "0,0,1") throw new Error();
 * ```
 */
export function hac(vectors: Float32Array, dim: number, options: HacOptions): HacResult {
  const p = prepare(vectors, dim, options);
  if (!p.sparse) return denseResult(vectors, dim, p, options.distances, layoutOf(options, p.n));
  const edges = options.edges ??
    thresholdEdges(vectors, dim, p.cfg.threshold + SPARSE_EDGE_MARGIN, { gemm: options.gemm });
  const comp = connectedComponents(p.n, edges, p.cfg.threshold + SPARSE_EDGE_MARGIN);
  return sparseResult(vectors, dim, p, comp, () => undefined);
}

/**
 * {@link hac} with an asynchronous GEMM (onnxruntime) for every distance it needs: the condensed matrix in
 * dense mode; the threshold graph and each component's matrix in sparse mode — so both modes see the same
 * kernel's distances. Same result contract as {@link hac}.
 *
 * @param vectors row-major n × dim, L2-normalised rows
 * @param dim row length
 * @param options {@link HacOptions} plus `asyncGemm`
 * @returns the same as {@link hac}
 * @throws the same as {@link hac}
 */
export async function hacAsync(
  vectors: Float32Array,
  dim: number,
  options: HacOptions & { asyncGemm: AsyncGemmProvider },
): Promise<HacResult> {
  const p = prepare(vectors, dim, options);
  const gemm = options.asyncGemm;
  if (!p.sparse) {
    const layout = layoutOf(options, p.n);
    const d = options.distances ??
      (p.n > 1
        ? await layoutCosineDistancesAsync(vectors, dim, layout, { gemm, shared: sharedMatrix(p.cfg) })
        : undefined);
    await gemm.trim?.();
    return denseResult(vectors, dim, p, d, layout);
  }
  const t = p.cfg.threshold + SPARSE_EDGE_MARGIN;
  const edges = options.edges ?? await thresholdEdgesAsync(vectors, dim, t, { gemm });
  const comp = connectedComponents(p.n, edges, t);
  const perComponent: (Float32Array | undefined)[] = new Array(comp.count);
  for (let c = 0; c < comp.count; c++) {
    const size = comp.start[c + 1]! - comp.start[c]!;
    if (size < 2) continue;
    const layout = layoutFor(p.layoutKind, size);
    perComponent[c] = await layoutCosineDistancesAsync(componentVectors(vectors, dim, comp, c), dim, layout, {
      gemm,
      shared: sharedMatrix(p.cfg),
    });
  }
  await gemm.trim?.();
  return sparseResult(vectors, dim, p, comp, (c) => perComponent[c]);
}

/**
 * Sparse mode builds the threshold graph at t + this margin, so that two kernels' float32 rounding (≤ ~1e-6)
 * can never split a pair that a component's own matrix puts at ≤ t; coarser components are still exact.
 * Callers that build their own graph (`edges`) cut it there too.
 */
export const SPARSE_EDGE_MARGIN = 1e-5;

interface Prepared {
  n: number;
  sparse: boolean;
  cfg: CoreConfig;
  layoutKind: "tiled" | "condensed";
}

/** Worker threads read the matrix only when it lives in a SharedArrayBuffer. */
function sharedMatrix(cfg: CoreConfig): boolean {
  return cfg.threads > 1 && cfg.loop === "rnn-batch";
}

function layoutOf(options: HacOptions, n: number): PairLayout {
  return layoutFor(options.layout ?? "condensed", n);
}

function layoutFor(kind: "tiled" | "condensed", n: number): PairLayout {
  return kind === "tiled" ? tiledLayout(n) : condensedLayout(n);
}

function prepare(vectors: Float32Array, dim: number, options: HacOptions): Prepared {
  const strategy = getLinkage(options.linkage);
  const n = validateVectors(vectors, dim);
  const threshold = options.threshold;
  if (threshold !== undefined && !(threshold >= 0)) {
    throw new RangeError(`threshold must be ≥ 0, got ${threshold}`);
  }
  const samplePairs = options.samplePairs ?? 64;
  if (!Number.isInteger(samplePairs) || samplePairs < 1) {
    throw new RangeError(`samplePairs must be a positive integer, got ${samplePairs}`);
  }
  const mode = options.mode ?? "auto";
  const sparse = mode === "sparse" || (mode === "auto" && (options.edges !== undefined ||
    (threshold !== undefined && n > DENSE_LIMIT)));
  if (sparse && threshold === undefined) throw new RangeError("sparse mode needs a threshold");
  const cfg: CoreConfig = {
    strategy,
    threshold: threshold ?? Infinity,
    samplePairs,
    seed: options.seed ?? 0,
    clock: options.clock,
    gemm: options.gemm,
    scratchPairs: options.scratchPairs ?? 1 << 21,
    layoutKind: "condensed",
    loop: mergeLoopFor(strategy, options.algorithm ?? "auto"),
    threads: 1,
  };
  const layoutKind = options.layout ?? "condensed";
  if (layoutKind !== "tiled" && layoutKind !== "condensed") {
    throw new RangeError(`layout must be "tiled" or "condensed", got ${JSON.stringify(layoutKind)}`);
  }
  cfg.layoutKind = layoutKind;
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new RangeError(`threads must be an integer in 1..64, got ${threads}`);
  }
  cfg.threads = threads;
  return { n, sparse, cfg, layoutKind };
}

function denseResult(
  vectors: Float32Array,
  dim: number,
  p: Prepared,
  distances: Float32Array | undefined,
  layout: PairLayout,
): HacResult {
  const r = denseRun(vectors, dim, p.n, p.cfg, distances, layout);
  return {
    labels: labelsFromRaw(r.raw, r.m, p.n),
    merges: toScipyLinkage(r.raw, r.m, p.n, r.unordered === true),
    inversions: r.inversions,
    iterations: { seconds: r.seconds, pairDistances: r.pairDistances },
    mode: "dense",
    components: 1,
  };
}

function sparseResult(
  vectors: Float32Array,
  dim: number,
  p: Prepared,
  comp: Components,
  distancesOf: (c: number) => Float32Array | undefined,
): HacResult {
  const sr = sparseRun(vectors, dim, p.cfg, comp, distancesOf);
  return {
    labels: labelsFromRaw(sr.raw, sr.m, p.n),
    merges: toScipyLinkage(sr.raw, sr.m, p.n, false),
    inversions: sr.inversions,
    iterations: { seconds: sr.seconds, pairDistances: sr.pairDistances },
    mode: "sparse",
    components: comp.count,
  };
}

function componentVectors(vectors: Float32Array, dim: number, comp: Components, c: number): Float32Array {
  const members = comp.order.subarray(comp.start[c]!, comp.start[c + 1]!);
  const local = new Float32Array(members.length * dim);
  for (let k = 0; k < members.length; k++) {
    local.set(vectors.subarray(members[k]! * dim, (members[k]! + 1) * dim), k * dim);
  }
  return local;
}

interface CoreConfig {
  strategy: LinkageStrategy;
  threshold: number;
  samplePairs: number;
  seed: number;
  clock: (() => number) | undefined;
  gemm: GemmProvider | undefined;
  scratchPairs: number;
  /** Layout of matrices the run builds itself (components, or no `distances`). */
  layoutKind: "tiled" | "condensed";
  /** The merge loop the linkage runs on (validated against its table entry). */
  loop: MergeLoop;
  threads: number;
}

function validateVectors(vectors: Float32Array, dim: number): number {
  if (!(vectors instanceof Float32Array)) throw new TypeError("vectors must be a Float32Array");
  if (!Number.isInteger(dim) || dim < 1) throw new TypeError(`dim must be a positive integer, got ${dim}`);
  if (vectors.length % dim !== 0) {
    throw new TypeError(`vectors has ${vectors.length} values, not a multiple of dim ${dim}`);
  }
  const n = vectors.length / dim;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) {
      const v = vectors[k]!;
      if (!Number.isFinite(v)) throw new RangeError(`row ${r} contains ${Number.isNaN(v) ? "NaN" : "Inf"}`);
      s += v * v;
    }
    if (Math.abs(Math.sqrt(s) - 1) > 1e-3) {
      throw new RangeError(`row ${r} is not L2-normalised (norm ${Math.sqrt(s).toFixed(4)})`);
    }
  }
  return n;
}

function denseRun(
  vectors: Float32Array,
  dim: number,
  n: number,
  cfg: CoreConfig,
  distances: Float32Array | undefined,
  layout: PairLayout | null,
  ids: Int32Array | null = null,
): CoreResult {
  if (n < 2) return emptyCore();
  const entries = (n * (n - 1)) / 2;
  if (entries > 2 ** 32 - 1) {
    throw new RangeError(`${n} points need ${entries} pair distances: too many for dense mode, give a threshold`);
  }
  const lay = layout ?? layoutFor(cfg.layoutKind, n);
  if (distances && distances.length !== lay.length) {
    throw new TypeError(
      `distances has length ${distances.length}, expected ${lay.length} for ${n} points (${lay.kind} layout)`,
    );
  }
  const d = distances ??
    layoutCosineDistances(vectors, dim, lay, { gemm: cfg.gemm, shared: sharedMatrix(cfg), threads: cfg.threads });
  const { strategy, threshold, clock } = cfg;
  switch (cfg.loop) {
    case "rnn-batch":
      return rnnBatchCore(d, lay, strategy.lanceWilliamsRule!, strategy.lanceWilliams!, threshold, clock, cfg.threads);
    case "nn-chain":
      return nnChainCore(d, lay, strategy.lanceWilliams!, threshold, clock);
  }
  const ctx = newPairContext(pairSource(d, n, lay), {
    scratchPairs: cfg.scratchPairs,
    samplePairs: cfg.samplePairs,
    seed: cfg.seed,
    ids,
  });
  if (cfg.loop === "sweep" && n < MEDIAN_SWEEP_MAX_POINTS) {
    // null: massive exact ties made the sweep give up; the generic loop takes the same matrix.
    const r = medianSweepCore(ctx, threshold, clock, { sampled: strategy.sweep === "representatives" });
    if (r) return r;
    ctx.reads = 0;
  }
  if (strategy.reducible) return lazyReducibleCore(ctx, strategy.pairs, threshold, clock, strategy.pairsBounded);
  return genericCore(ctx, strategy.pairs, threshold, clock);
}

function emptyCore(): CoreResult {
  return {
    raw: new Float64Array(0),
    m: 0,
    inversions: 0,
    seconds: new Float64Array(0),
    pairDistances: new Float64Array(0),
  };
}

/** Flat labels from raw merges (slot ids are member points). */
function labelsFromRaw(raw: Float64Array, m: number, n: number): Int32Array {
  const sets = new DisjointSets(n);
  for (let k = 0; k < m; k++) sets.union(raw[k * 4]!, raw[k * 4 + 1]!);
  const roots = new Int32Array(n);
  for (let i = 0; i < n; i++) roots[i] = sets.find(i);
  return canonicalLabels(roots);
}

/** Components of the threshold graph: `order` lists points grouped by component, ascending inside. */
export interface Components {
  /** Number of components. */
  count: number;
  /** Component of each point, numbered by smallest member. */
  of: Int32Array;
  /** CSR: members of component c are `order[start[c]..start[c+1])`, ascending. */
  start: Int32Array;
  /** Points grouped by component (see `start`). */
  order: Int32Array;
}

/**
 * Connected components of the graph {(i, j): d(i, j) ≤ threshold}. Points in different components are
 * never merged at or below the threshold by single, complete, average or (sampled) median linkage,
 * because every pair between them is farther than the threshold.
 *
 * @param n number of points
 * @param edges threshold graph (edges above `threshold` are ignored)
 * @param threshold edge cut-off
 * @returns the components, numbered by their smallest member
 */
export function connectedComponents(n: number, edges: ThresholdEdges, threshold: number): Components {
  const sets = new DisjointSets(n);
  for (let e = 0; e < edges.i.length; e++) if (edges.d[e]! <= threshold) sets.union(edges.i[e]!, edges.j[e]!);
  const of = new Int32Array(n);
  const id = new Int32Array(n).fill(-1);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = sets.find(i);
    if (id[r] === -1) id[r] = count++;
    of[i] = id[r]!;
  }
  const start = new Int32Array(count + 1);
  for (let i = 0; i < n; i++) start[of[i]! + 1]!++;
  for (let c = 0; c < count; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, count);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[of[i]!]!++] = i;
  return { count, of, start, order };
}

function sparseRun(
  vectors: Float32Array,
  dim: number,
  cfg: CoreConfig,
  comp: Components,
  distancesOf: (c: number) => Float32Array | undefined,
): CoreResult {
  const rows: { h: number; key: number; comp: number; a: number; b: number }[] = [];
  const secs: number[] = [], reads: number[] = [];
  let inversions = 0;
  for (let c = 0; c < comp.count; c++) {
    const s = comp.start[c]!, e = comp.start[c + 1]!;
    const size = e - s;
    if (size < 2) continue;
    if (size > DENSE_LIMIT * 2) {
      throw new RangeError(`a connected component of ${size} points at threshold ${cfg.threshold} is too large`);
    }
    const members = comp.order.subarray(s, e);
    const r = denseRun(componentVectors(vectors, dim, comp, c), dim, size, cfg, distancesOf(c), null, members);
    inversions += r.inversions;
    // Each component's own order, keyed by its running maximum height, interleaves like a global
    // greedy run (a merge waits behind a higher one of its component).
    const localRows = r.unordered ? sortedOrder(r.raw, r.m) : identityOrder(r.m);
    let runMax = -Infinity;
    for (const k of localRows) {
      const h = r.raw[k * 4 + 2]!;
      runMax = Math.max(runMax, h);
      rows.push({ h, key: runMax, comp: c, a: members[r.raw[k * 4]!]!, b: members[r.raw[k * 4 + 1]!]! });
      secs.push(r.seconds[k]!);
      reads.push(r.pairDistances[k]!);
    }
  }
  const idx = rows.map((_, i) => i);
  idx.sort((p, q) => rows[p]!.key - rows[q]!.key || rows[p]!.comp - rows[q]!.comp || p - q);
  const m = rows.length;
  const raw = new Float64Array(m * 4);
  const seconds = new Float64Array(m), pairDistances = new Float64Array(m);
  idx.forEach((p, k) => {
    const r = rows[p]!;
    raw[k * 4] = r.a;
    raw[k * 4 + 1] = r.b;
    raw[k * 4 + 2] = r.h;
    seconds[k] = secs[p]!;
    pairDistances[k] = reads[p]!;
  });
  return { raw, m, inversions, seconds, pairDistances };
}

function sortedOrder(raw: Float64Array, m: number): number[] {
  const idx = Array.from({ length: m }, (_, i) => i);
  return idx.sort((p, q) => raw[p * 4 + 2]! - raw[q * 4 + 2]!);
}

function identityOrder(m: number): number[] {
  return Array.from({ length: m }, (_, i) => i);
}
