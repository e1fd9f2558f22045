/**
 * Linkage strategies and their registry. Two families share one signature each:
 * - Lance–Williams (`single`, `complete`, `average`): a merge updates the cluster-distance row in place
 *   from the two old rows; run by nearest-neighbour chains (reducible, exact).
 * - Pair-based (`median`, `median-sampled`, and pair forms of the others): the linkage of two clusters
 *   is computed from the original point distances of their member pairs; run by the generic
 *   priority-queue algorithm, which tolerates inversions and counts them.
 *
 * @module
 */
import { condensedLayout, type PairLayout } from "../distance/layout.ts";
import { Rng } from "../random/rng.ts";
import type { LanceWilliamsRule } from "./_rnn_batch.ts";
import { quickselect as quickselectLocal0 } from "./select.ts";

/** Linkage ids, as the CLI and the harness spell them. */
export type Linkage = "single" | "complete" | "average" | "median" | "median-sampled";

/** Original point distances in a {@link PairLayout} with O(1) pair access. */
export interface PairSource {
  /** Number of points. */
  n: number;
  /** Float32 distances (values in [0, 2]) in the layout. */
  d: Float32Array;
  /** Bit view of `d` (non-negative floats order like their bits). */
  bits: Uint32Array;
  /** `rowBase[i] + col[j]` is the index of pair (i, j), i < j (Int32 whenever every index fits). */
  rowBase: Int32Array | Float64Array;
  /** Column offsets of the layout (`col[j] = j` in scipy's condensed order). */
  col: Int32Array | Float64Array;
}

/**
 * Creates a {@link PairSource} over a matrix of n points.
 * @param d the distances, in `layout` (condensed order when omitted)
 * @param n number of points
 * @param layout where each pair is stored [condensed]
 */
export function pairSource(d: Float32Array, n: number, layout: PairLayout = condensedLayout(n)): PairSource {
  if (layout.n !== n || d.length !== layout.length) {
    throw new RangeError(
      `distances have length ${d.length}, expected ${layout.length} for ${n} points (${layout.kind})`,
    );
  }
  const { rowBase, col } = layout;
  return { n, d, bits: new Uint32Array(d.buffer, d.byteOffset, d.length), rowBase, col };
}

/** Working state handed to pair linkages. */
export interface PairContext {
  /** The point distances. */
  src: PairSource;
  /** Gather buffer; sets larger than it are selected by streaming radix select. */
  scratch: Float32Array;
  /** S: the sampled median draws S pairs when |A|·|B| > S. */
  samplePairs: number;
  /** Seed of the sampled median (combined with the two clusters' identities). */
  seed: number;
  /**
   * Global id of each point when clustering a subset (a connected component; ids increasing), so that
   * sampled pairs do not depend on the split; null = the points are the whole input.
   */
  ids: Int32Array | null;
  /** Running count of pair distances read (instrumentation). */
  reads: number;
  /** 65,536-bin histogram for the radix select. */
  hist: Int32Array;
}

/** Pair-based linkage: distance between clusters with sorted member lists `a` and `b`. */
export type PairLinkage = (ctx: PairContext, a: Int32Array, b: Int32Array) => number;

/**
 * Lance–Williams row update after merging slots x < y into `keep` (x or y; the other retires): for every
 * active slot i ≠ x, y set D(i, keep) = f(D(i, x), D(i, y)). `active` lists the active slots in
 * increasing order (`count` of them). Returns the number of entries read.
 */
export type LanceWilliamsUpdate = (
  d: Float32Array,
  layout: PairLayout,
  active: Int32Array,
  count: number,
  x: number,
  y: number,
  nx: number,
  ny: number,
  keep: number,
) => number;

/** One registered linkage. */
export interface LinkageStrategy {
  /** Registry key, as the CLI spells it. */
  readonly id: Linkage;
  /** Reducible (NN-chain exact, monotone heights). */
  readonly reducible: boolean;
  /** In-place update for NN-chain, when the linkage has one. */
  readonly lanceWilliams: LanceWilliamsUpdate | null;
  /**
   * The update as an element rule for the batched RNN core (0 = min, 1 = max, 2 = size-weighted
   * mean); absent → Lance–Williams linkages run by NN-chain.
   */
  readonly lanceWilliamsRule?: LanceWilliamsRule;
  /** Linkage from member pairs (always available: used by the generic algorithm and the tests). */
  readonly pairs: PairLinkage;
  /** One-line description for `pb variants`. */
  readonly description: string;
}

function pairDist(src: PairSource, a: number, b: number): number {
  return a < b ? src.d[src.rowBase[a]! + src.col[b]!]! : src.d[src.rowBase[b]! + src.col[a]!]!;
}

function lwLoop(kind: 0 | 1 | 2): LanceWilliamsUpdate {
  // One specialised loop per rule keeps the inner loop monomorphic; the active slots are split into the
  // ranges i < x, x < i < y and i > y so that each range has a fixed memory layout (column or row).
  return (d, layout, active, count, x, y, nx, ny, keep) => {
    const { rowBase, col } = layout;
    const wx = nx / (nx + ny), wy = ny / (nx + ny);
    const bx = rowBase[x]!, by = rowBase[y]!, cx = col[x]!, cy = col[y]!;
    // Each range writes where `keep`'s entry lives: the x-side index when x keeps, else the y-side one.
    const keepX = keep === x;
    let p = 0;
    for (; p < count; p++) {
      const i = active[p]!;
      if (i >= x) break;
      const bi = rowBase[i]!;
      const dx = d[bi + cx]!, dy = d[bi + cy]!;
      d[keepX ? bi + cx : bi + cy] = kind === 0
        ? (dx < dy ? dx : dy)
        : kind === 1
        ? (dx > dy ? dx : dy)
        : wx * dx + wy * dy;
    }
    for (; p < count; p++) {
      const i = active[p]!;
      if (i === x) continue;
      if (i >= y) break;
      const ix = bx + col[i]!, iy = rowBase[i]! + cy;
      const dx = d[ix]!, dy = d[iy]!;
      d[keepX ? ix : iy] = kind === 0 ? (dx < dy ? dx : dy) : kind === 1 ? (dx > dy ? dx : dy) : wx * dx + wy * dy;
    }
    for (; p < count; p++) {
      const i = active[p]!;
      if (i === y) continue;
      const ci = col[i]!;
      const dx = d[bx + ci]!, dy = d[by + ci]!;
      d[keepX ? bx + ci : by + ci] = kind === 0
        ? (dx < dy ? dx : dy)
        : kind === 1
        ? (dx > dy ? dx : dy)
        : wx * dx + wy * dy;
    }
    return 2 * count;
  };
}

const pairMin: PairLinkage = (ctx, a, b) => {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const v = pairDist(ctx.src, a[i]!, b[j]!);
      if (v < m) m = v;
    }
  }
  ctx.reads += a.length * b.length;
  return m;
};

const pairMax: PairLinkage = (ctx, a, b) => {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const v = pairDist(ctx.src, a[i]!, b[j]!);
      if (v > m) m = v;
    }
  }
  ctx.reads += a.length * b.length;
  return m;
};

const pairMean: PairLinkage = (ctx, a, b) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) s += pairDist(ctx.src, a[i]!, b[j]!);
  ctx.reads += a.length * b.length;
  return s / (a.length * b.length);
};

/** Exact median of all |a|·|b| member-pair distances (even count: mean of the two middle values). */
export const pairMedian: PairLinkage = (ctx, a, b) => pairMedianBounded(ctx, a, b, Infinity);

/**
 * {@link pairMedian} for a caller that only needs the value when it is ≤ `cutoff`: a large set whose
 * median provably exceeds `cutoff` (its median's bucket lies above the cutoff's) skips the selection and
 * returns −lb, lb ≤ median being the lower edge of that bucket (a tight lower bound, within 2⁻¹¹).
 * @returns the exact median (≥ 0), or a negated lower bound > cutoff
 */
export function pairMedianBounded(ctx: PairContext, a: Int32Array, b: Int32Array, cutoff: number): number {
  const count = a.length * b.length;
  ctx.reads += count;
  if (count <= ctx.scratch.length) {
    const buf = ctx.scratch;
    gatherPairs(ctx.src, a, b, buf);
    if (count < HIST_MIN) return medianOf(buf, count);
    // Large sets: bucket counts (distances lie in [0, 2]), then select inside the one bucket that holds
    // the median — two sequential passes instead of quickselect's data movement.
    const hist = ctx.hist;
    hist.fill(0, 0, HIST_BINS + 1);
    for (let k = 0; k < count; k++) hist[(buf[k]! * HIST_SCALE) | 0]!++;
    return histMedian(buf, count, hist, cutoff);
  }
  // Too many to gather: count buckets in one streaming pass, then gather only the median's bucket.
  const { d, rowBase, col } = ctx.src;
  const hist = ctx.hist;
  hist.fill(0, 0, HIST_BINS + 1);
  histPass(d, rowBase, col, a, b, hist);
  histPass(d, rowBase, col, b, a, hist);
  ctx.reads += count;
  const k = (count - 1) >> 1;
  let bin = 0, seen = 0;
  while (seen + hist[bin]! <= k) seen += hist[bin++]!;
  if (bin > cutoff * HIST_SCALE) return -bin / HIST_SCALE;
  const cnt = hist[bin]!;
  if (cnt <= ctx.scratch.length) {
    const buf = ctx.scratch;
    const above1 = collectPass(d, rowBase, col, a, b, bin, buf, 0);
    const above = Math.min(above1, collectPass(d, rowBase, col, b, a, bin, buf, collected));
    ctx.reads += count;
    const r = k - seen;
    const lower = quickselectLocal0(buf, 0, cnt - 1, r);
    if (count & 1) return lower;
    let upper = above;
    for (let i = r + 1; i < cnt; i++) if (buf[i]! < upper) upper = buf[i]!;
    return (lower + upper) / 2;
  }
  // One bucket larger than the scratch (heavily tied distances): two-pass 16-bit radix select.
  ctx.reads += count * (count & 1 ? 1 : 3);
  const lo = radixSelect(ctx, a, b, k);
  return count & 1 ? lo : (lo + radixSelect(ctx, a, b, count >> 1)) / 2;
}

/** Bucket counts of the distances from each x of `a` to the members of `b` greater than x (row x). */
function histPass(
  d: Float32Array,
  rowBase: Int32Array | Float64Array,
  col: Int32Array | Float64Array,
  a: Int32Array,
  b: Int32Array,
  hist: Int32Array,
) {
  const bl = b.length;
  let start = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (start < bl && b[start]! < x) start++;
    const bx = rowBase[x]!;
    for (let j = start; j < bl; j++) hist[(d[bx + col[b[j]!]!]! * HIST_SCALE) | 0]!++;
  }
}

/** Values gathered by the last {@link collectPass} (the next one appends after them). */
let collected = 0;

/**
 * Like {@link histPass}, appending the values of bucket `bin` to `out` from index k (count left in
 * {@link collected}); returns the smallest value of any higher bucket.
 */
function collectPass(
  d: Float32Array,
  rowBase: Int32Array | Float64Array,
  col: Int32Array | Float64Array,
  a: Int32Array,
  b: Int32Array,
  bin: number,
  out: Float32Array,
  k: number,
): number {
  const bl = b.length;
  let start = 0, above = Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (start < bl && b[start]! < x) start++;
    const bx = rowBase[x]!;
    for (let j = start; j < bl; j++) {
      const v = d[bx + col[b[j]!]!]!;
      const bv = (v * HIST_SCALE) | 0;
      if (bv === bin) out[k++] = v;
      else if (bv > bin && v < above) above = v;
    }
  }
  collected = k;
  return above;
}

/**
 * Gathers the |a|·|b| distances of two disjoint sorted member lists into `buf`, reading each pair from
 * the row of its smaller point: every read is a row read at increasing columns (the cache- and
 * TLB-friendly direction of a condensed matrix; the other order jumps a whole row per read).
 */
function gatherPairs(src: PairSource, a: Int32Array, b: Int32Array, buf: Float32Array): void {
  const { d, rowBase, col } = src;
  gatherAbove(d, rowBase, col, a, b, buf, gatherAbove(d, rowBase, col, b, a, buf, 0));
}

/** For each x of `a`, the distances to the members of `b` greater than x (row x), appended at k. */
function gatherAbove(
  d: Float32Array,
  rowBase: Int32Array | Float64Array,
  col: Int32Array | Float64Array,
  a: Int32Array,
  b: Int32Array,
  buf: Float32Array,
  k: number,
): number {
  const bl = b.length;
  let start = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (start < bl && b[start]! < x) start++;
    const bx = rowBase[x]!;
    for (let j = start; j < bl; j++) buf[k++] = d[bx + col[b[j]!]!]!;
  }
  return k;
}

/** Sets of at least this many pairs are selected by bucket counts (below, quickselect is cheaper). */
const HIST_MIN = 256;
/** Buckets over [0, 2]: bucket of v is ⌊v · HIST_SCALE⌋, so v = 2 lands in the extra last bucket. */
const HIST_BINS = 4096;
const HIST_SCALE = HIST_BINS / 2;

/**
 * Median of `buf[0..len)` given the bucket counts of its values: finds the bucket holding rank
 * ⌊(len−1)/2⌋, moves that bucket's values to the front (order-preserving compaction) and quickselects
 * there; for an even count the next value is the minimum of the rest of that bucket or, when the bucket
 * ends at the lower middle, the smallest value of any later bucket. Same value as {@link medianOf}.
 */
function histMedian(buf: Float32Array, len: number, hist: Int32Array, cutoff: number): number {
  const k = (len - 1) >> 1;
  let bin = 0, seen = 0;
  while (seen + hist[bin]! <= k) seen += hist[bin++]!;
  // HIST_SCALE is a power of two, so bucket edges are exact: every value of `bin` is ≥ bin / HIST_SCALE.
  if (bin > cutoff * HIST_SCALE) return -bin / HIST_SCALE;
  const r = k - seen;
  let cnt = 0, above = Infinity;
  for (let i = 0; i < len; i++) {
    const v = buf[i]!;
    const bv = (v * HIST_SCALE) | 0;
    if (bv === bin) buf[cnt++] = v;
    else if (bv > bin && v < above) above = v;
  }
  const lower = quickselectLocal0(buf, 0, cnt - 1, r);
  if (len & 1) return lower;
  let upper = above;
  for (let i = r + 1; i < cnt; i++) if (buf[i]! < upper) upper = buf[i]!;
  return (lower + upper) / 2;
}

function medianOf(buf: Float32Array, len: number): number {
  const k = (len - 1) >> 1;
  const lower = quickselectLocal(buf, len, k);
  if (len & 1) return lower;
  let upper = Infinity;
  for (let i = k + 1; i < len; i++) if (buf[i]! < upper) upper = buf[i]!;
  return (lower + upper) / 2;
}

/** Rank-k value of the pair distances of a × b without gathering them: two 16-bit histogram passes. */
function radixSelect(ctx: PairContext, a: Int32Array, b: Int32Array, rank: number): number {
  const { bits, rowBase, col } = ctx.src;
  const hist = ctx.hist;
  hist.fill(0);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    for (let j = 0; j < b.length; j++) {
      const y = b[j]!;
      hist[(x < y ? bits[rowBase[x]! + col[y]!]! : bits[rowBase[y]! + col[x]!]!) >>> 16]!++;
    }
  }
  let high = 0, seen = 0;
  while (seen + hist[high]! <= rank) seen += hist[high++]!;
  const r2 = rank - seen;
  hist.fill(0);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    for (let j = 0; j < b.length; j++) {
      const y = b[j]!;
      const v = x < y ? bits[rowBase[x]! + col[y]!]! : bits[rowBase[y]! + col[x]!]!;
      if (v >>> 16 === high) hist[v & 0xffff]!++;
    }
  }
  let low = 0;
  seen = 0;
  while (seen + hist[low]! <= r2) seen += hist[low++]!;
  const out = new Uint32Array([((high << 16) | low) >>> 0]);
  return new Float32Array(out.buffer)[0]!;
}

function quickselectLocal(buf: Float32Array, len: number, k: number): number {
  return quickselectLocal0(buf, 0, len - 1, k);
}

/**
 * Mixes the seed with the two clusters' identities (smallest member as a global id, size),
 * order-independent.
 */
function pairSeed(seed: number, a: Int32Array, b: Int32Array, ids: Int32Array | null): number {
  let p = a, q = b;
  if (q[0]! < p[0]!) {
    p = b;
    q = a;
  }
  const pid = ids ? ids[p[0]!]! : p[0]!, qid = ids ? ids[q[0]!]! : q[0]!;
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = mixSeed(h, pid);
  h = mixSeed(h, p.length);
  h = mixSeed(h, qid);
  h = mixSeed(h, q.length);
  return h >>> 0;
}

/** One murmur-style mixing round of {@link pairSeed} (unrolled: this runs once per sampled evaluation). */
function mixSeed(h: number, v: number): number {
  h = Math.imul(h ^ v, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  return Math.imul(h, 0x1b873593);
}

/** Condensed indices of one sampled evaluation's draws (grown on demand; single-threaded scratch). */
let sampleIdx = new Float64Array(64);

/**
 * The article's sampled median: exact while |a|·|b| ≤ S, else the median of S pairs drawn uniformly
 * with replacement by an Rng seeded from (seed, both clusters' smallest member and size) — so the value
 * is a deterministic function of the two clusters, whatever the merge order or component split.
 */
const sampleRng = new Rng(0);

export const pairMedianSampled: PairLinkage = (ctx, a, b) => {
  const count = a.length * b.length;
  const s = ctx.samplePairs;
  if (count <= s) return pairMedian(ctx, a, b);
  if (b[0]! < a[0]!) [a, b] = [b, a]; // draws must not depend on the argument order
  // One generator re-seeded per evaluation: no allocation in the merge loop (the garbage of a generator per
  // evaluation brought minor-GC pauses into the per-merge times).
  const rng = sampleRng;
  rng.reseed(pairSeed(ctx.seed, a, b, ctx.ids));
  const buf = ctx.scratch;
  const { d, rowBase, col } = ctx.src;
  const bl = b.length;
  if (sampleIdx.length < s) sampleIdx = new Float64Array(s);
  const idx = sampleIdx;
  // Rng.int's rejection sampling, inlined (same draws): the bound is computed once per evaluation.
  const limit = count <= 0x100000000 ? 0x100000000 - (0x100000000 % count) : 0;
  for (let k = 0; k < s; k++) {
    // One draw per pair over the flattened |a|·|b| grid: uniform with replacement.
    let r: number;
    if (limit > 0) {
      let v = rng.u32();
      while (v >= limit) v = rng.u32();
      // v % count without a float modulo (v exceeds int32, and V8's float % calls fmod): a float quotient,
      // corrected by one step when rounding put it off by one. Same draws as Rng.int.
      r = v - Math.floor(v / count) * count;
      if (r < 0) r += count;
      else if (r >= count) r -= count;
    } else r = rng.int(count);
    // Row and column of the grid cell (exact: r and |b| are integers far below 2⁵³).
    const row = Math.floor(r / bl);
    const x = a[row]!, y = b[r - row * bl]!;
    idx[k] = x === y ? -1 : x < y ? rowBase[x]! + col[y]! : rowBase[y]! + col[x]!;
  }
  // The reads in a loop of their own: independent loads the CPU can overlap (they miss the cache).
  for (let k = 0; k < s; k++) {
    const t = idx[k]!;
    buf[k] = t < 0 ? 0 : d[t]!;
  }
  ctx.reads += s;
  return medianOf(buf, s);
};

/** The registry of linkage strategies, keyed by id; {@link registerLinkage} refuses duplicates. */
export const LINKAGES: Map<Linkage, LinkageStrategy> = new Map();

/**
 * Adds a strategy to {@link LINKAGES}.
 * @param strategy the strategy
 * @throws {Error} when its id is already registered
 */
export function registerLinkage(strategy: LinkageStrategy): void {
  if (LINKAGES.has(strategy.id)) throw new Error(`linkage "${strategy.id}" is already registered`);
  LINKAGES.set(strategy.id, strategy);
}

registerLinkage({
  id: "single",
  reducible: true,
  lanceWilliams: lwLoop(0),
  lanceWilliamsRule: 0,
  pairs: pairMin,
  description: "minimum pair distance (batched RNN or NN-chain, exact)",
});
registerLinkage({
  id: "complete",
  reducible: true,
  lanceWilliams: lwLoop(1),
  lanceWilliamsRule: 1,
  pairs: pairMax,
  description: "maximum pair distance (batched RNN or NN-chain, exact)",
});
registerLinkage({
  id: "average",
  reducible: true,
  lanceWilliams: lwLoop(2),
  lanceWilliamsRule: 2,
  pairs: pairMean,
  description: "mean pair distance, UPGMA (batched RNN or NN-chain, exact)",
});
registerLinkage({
  id: "median",
  reducible: true,
  lanceWilliams: null,
  pairs: pairMedian,
  description: "exact median of all member-pair distances (reducible; one distance sweep with pair counters)",
});
registerLinkage({
  id: "median-sampled",
  reducible: false,
  lanceWilliams: null,
  pairs: pairMedianSampled,
  description:
    "median of S seeded random member pairs when |A|·|B| > S, else exact (not reducible: inversions counted)",
});

/**
 * Looks up a linkage strategy.
 * @param id linkage id
 * @returns the strategy
 * @throws {RangeError} for an unknown id, listing the known ones
 */
export function getLinkage(id: string): LinkageStrategy {
  const s = LINKAGES.get(id as Linkage);
  if (!s) throw new RangeError(`unknown linkage "${id}" (known: ${[...LINKAGES.keys()].join(", ")})`);
  return s;
}
