/**
 * The exact median of member-pair distances: gathered and selected (quickselect, or bucket counts for large
 * sets), or streamed in bucket-count passes when the pairs do not fit the gather buffer.
 * @module
 */
import type { PairContext, PairLinkage, PairSource } from "./pair_context.ts";
import { quickselect } from "./select.ts";

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
    const above1 = collectPass(ctx, d, rowBase, col, a, b, bin, buf, 0);
    const above = Math.min(above1, collectPass(ctx, d, rowBase, col, b, a, bin, buf, ctx.collected));
    ctx.reads += count;
    const r = k - seen;
    const lower = quickselect(buf, 0, cnt - 1, r);
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

/**
 * Like {@link histPass}, appending the values of bucket `bin` to `out` from index k (the new count left
 * in `ctx.collected`); returns the smallest value of any higher bucket.
 */
function collectPass(
  ctx: PairContext,
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
  ctx.collected = k;
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
  const lower = quickselect(buf, 0, cnt - 1, r);
  if (len & 1) return lower;
  let upper = above;
  for (let i = r + 1; i < cnt; i++) if (buf[i]! < upper) upper = buf[i]!;
  return (lower + upper) / 2;
}

/**
 * Median of `buf[0..len)` (even count: mean of the two middle values), reordering it.
 * @param buf values (reordered in place)
 * @param len how many values (≥ 1)
 * @returns the median
 */
export function medianOf(buf: Float32Array, len: number): number {
  const k = (len - 1) >> 1;
  const lower = quickselect(buf, 0, len - 1, k);
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
