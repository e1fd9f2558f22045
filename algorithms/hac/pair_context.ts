/**
 * What pair-based linkages read: the original point distances with O(1) pair access, and the per-run
 * working state (gather buffers, counters, the sampled median's seed and member levels).
 * @module
 */
import { condensedLayout, type PairLayout } from "../distance/layout.ts";

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
 * @returns the source
 * @throws {RangeError} when `d` does not fit the layout
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

/** Working state of one run, handed to pair linkages (single-threaded: one context per run). */
export interface PairContext {
  /** The point distances. */
  src: PairSource;
  /** Gather buffer; sets larger than it are selected by streaming bucket counts. */
  scratch: Float32Array;
  /** S of the sampled median (see `median_sampled.ts`). */
  samplePairs: number;
  /** Seed of the sampled median. */
  seed: number;
  /**
   * Global id of each point when clustering a subset (a connected component; ids increasing), so that
   * sampled members do not depend on the split; null = the points are the whole input.
   */
  ids: Int32Array | null;
  /** Running count of pair distances read (instrumentation). */
  reads: number;
  /** 65,536-bin histogram for the selections. */
  hist: Int32Array;
  /** Values the last bucket-collecting pass appended (the next pass appends after them). */
  collected: number;
  /** Sampled median: hash level of each point (built on first use), and representatives per member list. */
  sampling: { levels: Uint8Array | null; reps: WeakMap<Int32Array, Int32Array> };
}

/** Pair-based linkage: distance between clusters with sorted member lists `a` and `b`. */
export type PairLinkage = (ctx: PairContext, a: Int32Array, b: Int32Array) => number;

/**
 * A pair linkage for a caller that needs the value only when it is ≤ `cutoff`: returns the exact value (≥ 0),
 * or a negated lower bound > cutoff.
 */
export type BoundedPairLinkage = (ctx: PairContext, a: Int32Array, b: Int32Array, cutoff: number) => number;

/**
 * A fresh {@link PairContext}.
 * @param src the point distances
 * @param options gather buffer size in floats [2,097,152], S [64], seed [0], global ids [none]
 * @returns the context
 */
export function newPairContext(
  src: PairSource,
  options: { scratchPairs?: number; samplePairs?: number; seed?: number; ids?: Int32Array | null } = {},
): PairContext {
  const samplePairs = options.samplePairs ?? 64;
  return {
    src,
    scratch: new Float32Array(Math.max(options.scratchPairs ?? 1 << 21, samplePairs)),
    samplePairs,
    seed: options.seed ?? 0,
    ids: options.ids ?? null,
    reads: 0,
    hist: new Int32Array(65536),
    collected: 0,
    sampling: { levels: null, reps: new WeakMap() },
  };
}

/** Distance of points a ≠ b. */
export function pairDist(src: PairSource, a: number, b: number): number {
  return a < b ? src.d[src.rowBase[a]! + src.col[b]!]! : src.d[src.rowBase[b]! + src.col[a]!]!;
}
