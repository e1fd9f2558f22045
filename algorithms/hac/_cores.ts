/**
 * The two merge loops behind `hac()`: nearest-neighbour chains for Lance–Williams linkages
 * (SciPy's `nn_chain`, same tie rules) and the generic priority-queue algorithm (Müllner 2011,
 * fastcluster's `generic_linkage`) for pair-based linkages, which tolerates inversions.
 *
 * Raw merges are rows `[slotA, slotB, height, 0]` where the slot keeps the merged cluster at the
 * larger slot index, so each slot index is also a member point of its cluster.
 * @module
 */
import type { PairLayout } from "../distance/layout.ts";
import type { LanceWilliamsUpdate } from "./lance_williams.ts";
import type { BoundedPairLinkage, PairContext, PairLinkage } from "./pair_context.ts";
import { IndexedHeap } from "./indexed_heap.ts";
import { type CoreResult, MergeRecorder } from "./_merge_recorder.ts";

export type { CoreResult } from "./_merge_recorder.ts";

/** First position p < count with a[p] ≥ v in the increasing a[0..count). */
export function lowerBound(a: Int32Array, count: number, v: number): number {
  let lo = 0, hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * NN-chain HAC on a condensed matrix (modified in place). Exact for reducible linkages. Ties follow
 * SciPy: the previous chain element wins a tie, otherwise the lowest slot index. With a finite
 * `threshold`, a reciprocal pair farther than it is retired (for reducible linkages neither side can
 * ever merge below the threshold), so only merges ≤ threshold are made.
 * O(n²) time and no memory beyond the matrix and O(n) arrays.
 */
export function nnChainCore(
  d: Float32Array,
  layout: PairLayout,
  update: LanceWilliamsUpdate,
  threshold: number,
  clock: (() => number) | undefined,
  resume?: ChainResume,
): CoreResult {
  const { n, rowBase, col } = layout;
  const act = resume?.act ?? new Int32Array(n);
  let count = resume?.count ?? n;
  if (!resume) { for (let i = 0; i < n; i++) act[i] = i; }
  const size = resume?.size ?? new Float64Array(n).fill(1);
  const chain = new Int32Array(n);
  let chainLen = 0;
  const rec = resume?.rec ?? new MergeRecorder(n, clock);
  let readsNow = 0;
  const remove = (s: number) => {
    const p = lowerBound(act, count, s);
    act.copyWithin(p, p + 1, count);
    count--;
  };
  while (count > 1) {
    if (chainLen === 0) chain[chainLen++] = act[0]!;
    let x = 0, y = -1, cur = Infinity;
    for (;;) {
      x = chain[chainLen - 1]!;
      if (chainLen > 1) {
        y = chain[chainLen - 2]!;
        cur = x < y ? d[rowBase[x]! + col[y]!]! : d[rowBase[y]! + col[x]!]!;
      } else {
        y = -1;
        cur = Infinity;
      }
      const px = lowerBound(act, count, x);
      const cx = col[x]!;
      for (let p = 0; p < px; p++) {
        const i = act[p]!;
        const v = d[rowBase[i]! + cx]!;
        if (v < cur) {
          cur = v;
          y = i;
        }
      }
      const bx = rowBase[x]!;
      for (let p = px + 1; p < count; p++) {
        const i = act[p]!;
        const v = d[bx + col[i]!]!;
        if (v < cur) {
          cur = v;
          y = i;
        }
      }
      readsNow += count - 1;
      if (chainLen > 1 && y === chain[chainLen - 2]) break;
      chain[chainLen++] = y;
    }
    chainLen -= 2;
    if (x > y) {
      const t = x;
      x = y;
      y = t;
    }
    if (cur > threshold) {
      // Both are farther than the threshold from everything, for good: retire them.
      remove(x);
      remove(y);
      continue;
    }
    const nx = size[x]!, ny = size[y]!;
    size[x] = 0;
    size[y] = nx + ny;
    readsNow += update(d, layout, act, count, x, y, nx, ny, y);
    remove(x);
    rec.add(x, y, cur, readsNow);
    readsNow = 0;
  }
  return rec.result(true);
}

/**
 * State handed from another core to {@link nnChainCore} to finish the dendrogram: the active slots
 * (increasing), their cluster sizes (0 for retired slots) and the merges recorded so far.
 */
export interface ChainResume {
  act: Int32Array;
  count: number;
  size: Float64Array;
  rec: MergeRecorder;
}

/** Merges two sorted member lists. */
export function mergeSorted(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/**
 * The second half of a row scan over 16-bit bounds: candidates (slots whose bound does not exceed the best
 * exact value found so far) evaluated in increasing (bound, slot) order — one native sort of packed keys —
 * while one can still beat or tie the best at a lower slot. Evaluations only change the evaluated entry's
 * code, so the order stays valid.
 */
class CandidateSearch {
  readonly #keys: Float64Array;
  /** Result of the last {@link run}: the row minimum and its slot (−1: none). */
  best = Infinity;
  arg = -1;
  constructor(n: number) {
    this.#keys = new Float64Array(n);
  }
  /**
   * @param evaluate exact value of slot j, or a negative number when it is proved farther than `cutoff`
   */
  run(
    cand: Int32Array,
    nc: number,
    code: Uint16Array,
    rowStart: number,
    col: Int32Array | Float64Array,
    best: number,
    arg: number,
    evaluate: (j: number, cutoff: number) => number,
  ): void {
    let nk = 0;
    for (let c = 0; c < nc; c++) {
      const j = cand[c]!;
      const e = code[rowStart + col[j]!]!;
      if (e / BOUND_SCALE <= best) this.#keys[nk++] = e * CAND_SLOTS + j;
    }
    const keys = this.#keys.subarray(0, nk).sort();
    for (let c = 0; c < nk; c++) {
      const key = keys[c]!;
      const e = Math.floor(key / CAND_SLOTS), j = key - e * CAND_SLOTS;
      const qb = e / BOUND_SCALE;
      if (qb > best || (qb === best && j > arg)) break;
      const v = evaluate(j, best);
      if (v < 0) continue; // proved farther than best
      if (v < best || (v === best && j < arg)) {
        best = v;
        arg = j;
      }
    }
    this.best = best;
    this.arg = arg;
  }
}

/**
 * Generic HAC (Müllner 2011, "Modern hierarchical, agglomerative clustering algorithms", generic
 * algorithm) for pair-based linkages without the reducibility property (the sampled median): every
 * merge evaluates the linkage of the new cluster to every active cluster from member pairs; each slot
 * keeps its nearest larger slot and that exact distance as its heap key. Always merges the globally
 * closest pair (ties: smallest first slot, then smallest second slot), so it is exact for any linkage
 * and stops as soon as the closest pair is farther than `threshold`. A merge lower than the previous
 * one is counted as an inversion.
 *
 * Memory: the point distances must stay intact (the sampled pairs are read from them), so the cluster
 * distances are not a second float32 matrix. Between two never-merged slots the linkage is the point
 * distance itself; any other pair keeps a 16-bit lower bound of its value (rounded down to 1/16383) in a
 * condensed Uint16Array — half a float32 matrix. The linkage is a deterministic function of the two
 * clusters (the sampled median seeds its draws from their identities), so a row minimum is found from the
 * bounds and re-evaluated exactly for the few candidates whose bound does not exceed the best exact value
 * — the merges are those of the same algorithm over a float32 cluster-distance matrix (tested).
 */
export function genericCore(
  ctx: PairContext,
  linkage: PairLinkage,
  threshold: number,
  clock: (() => number) | undefined,
): CoreResult {
  const { n, rowBase, col, d } = ctx.src;
  const code = new Uint16Array(d.length);
  const single = new Uint8Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const members: Int32Array[] = Array.from({ length: n }, (_, i) => Int32Array.of(i));
  const nn = new Int32Array(n).fill(-1);
  /** The key of a slot no longer matches its neighbour (the neighbour merged): rescan at the top. */
  const stale = new Uint8Array(n);
  const heap = new IndexedHeap(n);
  const cand = new Int32Array(n);
  const search = new CandidateSearch(n);
  /** Linkage of slots p < q as a float32 value, as a float32 cluster-distance matrix would hold it. */
  const exact = (p: number, q: number): number =>
    single[p]! & single[q]! ? d[rowBase[p]! + col[q]!]! : Math.fround(linkage(ctx, members[p]!, members[q]!));
  const recompute = (i: number): void => {
    const b = rowBase[i]!;
    const si = single[i]!;
    // One pass: the best exact entry (pairs of singletons) and the bounds at or below it as candidates;
    // then the candidates in increasing (bound, slot) order, evaluated while one can still win.
    let best = Infinity, arg = -1, nc = 0;
    for (let j = i + 1; j < n; j++) {
      if (!active[j]) continue;
      const idx = b + col[j]!;
      if (si & single[j]!) {
        const v = d[idx]!;
        if (v < best) {
          best = v;
          arg = j;
        }
      } else if (code[idx]! / BOUND_SCALE <= best) cand[nc++] = j;
    }
    ctx.reads += n - i - 1;
    search.run(cand, nc, code, b, col, best, arg, (j) => exact(i, j));
    best = search.best;
    arg = search.arg;
    nn[i] = arg;
    stale[i] = 0;
    if (arg < 0) heap.remove(i);
    else heap.set(i, best);
  };
  for (let i = 0; i < n - 1; i++) recompute(i);
  const rec = new MergeRecorder(n, clock);
  let readsBefore = ctx.reads;
  while (heap.size > 0) {
    let i = heap.top();
    while (i >= 0 && stale[i]) {
      recompute(i);
      i = heap.top();
    }
    if (i < 0) break;
    const j = nn[i]!;
    const h = heap.key[i]!;
    if (h > threshold) break;
    // Slot j keeps the merged cluster; slot i retires.
    active[i] = 0;
    heap.remove(i);
    const merged = mergeSorted(members[i]!, members[j]!);
    members[j] = merged;
    members[i] = new Int32Array(0);
    single[i] = single[j] = 0;
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === j) continue;
      const v = Math.fround(linkage(ctx, merged, members[k]!));
      const c = Math.floor(v * BOUND_SCALE); // exact: a float32 times an integer < 2¹⁴
      if (k < j) {
        code[rowBase[k]! + col[j]!] = c;
        if (v < heap.key[k]! || heap.pos[k]! < 0) {
          nn[k] = j;
          heap.set(k, v);
          stale[k] = 0;
        } else if (nn[k] === i || nn[k] === j) stale[k] = 1;
      } else {
        code[rowBase[j]! + col[k]!] = c;
        if (nn[k] === i) stale[k] = 1;
      }
    }
    if (j < n - 1) recompute(j);
    rec.add(i, j, h, ctx.reads - readsBefore);
    readsBefore = ctx.reads;
  }
  return rec.result();
}

/**
 * Condensed index → float32 hash table (open addressing, linear probing, backward-shift deletion): the exact
 * linkage values of the lazy core. Typed arrays keep it at ≈ 24–48 bytes per entry (a JS Map with
 * deletions costs several times that).
 */
class ExactValues {
  #keys: Float64Array; // indices reach 2³² − 2 for the largest dense n
  #vals: Float32Array;
  #mask: number;
  #shift: number;
  size = 0;
  constructor(capacity = 1 << 12) {
    this.#keys = new Float64Array(capacity).fill(-1);
    this.#vals = new Float32Array(capacity);
    this.#mask = capacity - 1;
    this.#shift = 32 - Math.log2(capacity);
  }
  #home(k: number): number {
    return Math.imul(k, 0x9e3779b1) >>> this.#shift;
  }
  /** The value of key k (present). */
  get(k: number): number {
    const keys = this.#keys, mask = this.#mask;
    let p = this.#home(k);
    while (keys[p] !== k) p = (p + 1) & mask;
    return this.#vals[p]!;
  }
  set(k: number, v: number): void {
    const keys = this.#keys, mask = this.#mask;
    let p = this.#home(k);
    for (;;) {
      const c = keys[p]!;
      if (c === k) break;
      if (c === -1) {
        keys[p] = k;
        if (++this.size * 2 > keys.length) {
          this.#vals[p] = v;
          this.#grow();
          return;
        }
        break;
      }
      p = (p + 1) & mask;
    }
    this.#vals[p] = v;
  }
  /** Removes key k (present). */
  delete(k: number): void {
    const keys = this.#keys, vals = this.#vals, mask = this.#mask;
    let i = this.#home(k);
    while (keys[i] !== k) i = (i + 1) & mask;
    // Backward shift: pull later entries of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const kj = keys[j]!;
      if (kj === -1) break;
      const h = this.#home(kj);
      if (j > i ? h <= i || h > j : h <= i && h > j) {
        keys[i] = kj;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    keys[i] = -1;
    this.size--;
  }
  #grow(): void {
    const keys = this.#keys, vals = this.#vals;
    const cap = keys.length * 2;
    this.#keys = new Float64Array(cap).fill(-1);
    this.#vals = new Float32Array(cap);
    this.#mask = cap - 1;
    this.#shift = 32 - Math.log2(cap);
    for (let p = 0; p < keys.length; p++) {
      const k = keys[p]!;
      if (k === -1) continue;
      let q = this.#home(k);
      while (this.#keys[q] !== -1) q = (q + 1) & this.#mask;
      this.#keys[q] = k;
      this.#vals[q] = vals[p]!;
    }
  }
}

/** Candidate sort keys are code · CAND_SLOTS + slot (exact in a float64 for any dense n). */
const CAND_SLOTS = 2 ** 32;
/** Scale of the 15-bit bound codes: code q stands for the value q / BOUND_SCALE (2 · 16383 < 2¹⁵). */
const BOUND_SCALE = 16383;
/** Flag of an entry whose exact value is known (kept in the side map); its low bits are its floor code. */
const EXACT = 0x8000;

/**
 * HAC for *reducible* pair-based linkages (the exact median of pairs) with lazily evaluated linkages.
 * Reducibility gives, after merging A and B, the bound D(A∪B, C) ≥ min(D(A, C), D(B, C)); the merge
 * stores that bound in O(n), and an exact value — the expensive median over |A∪B|·|C| pairs — is
 * computed only when a bound is the smallest candidate of a row scan or the heap's top (and, for the
 * median, only as far as needed to prove it above the row's best). The merges, heights and tie-breaking
 * are exactly those of {@link genericCore} (same greedy order: smallest height, then smallest slots), at
 * a fraction of the linkage evaluations.
 *
 * Memory: the point distances must stay intact (the median has no update rule), so cluster distances do
 * not get a second float32 matrix. Each cluster pair has a 16-bit code in a condensed Uint16Array (half
 * a float32 matrix): untouched singletons (read the point distance), a lower bound rounded down to
 * 1/16383, or "exact" (the exact value, in a map keyed by the pair's index, deleted when the pair's
 * clusters merge; at most a few per active cluster). Rounding bounds down keeps them valid bounds, so
 * the merges are unchanged; only a few more candidates get evaluated.
 */
export function lazyReducibleCore(
  ctx: PairContext,
  linkage: PairLinkage,
  threshold: number,
  clock: (() => number) | undefined,
  bounded?: BoundedPairLinkage,
): CoreResult {
  const { n, rowBase, col, d } = ctx.src;
  // Every entry starts exact: between two singletons the linkage is the point distance itself (read
  // from `d`; only pairs with a merged cluster keep their exact value in the side table).
  const code = new Uint16Array(d.length);
  for (let idx = 0; idx < d.length; idx++) code[idx] = EXACT | Math.floor(d[idx]! * BOUND_SCALE);
  const single = new Uint8Array(n).fill(1);
  const known = new ExactValues();
  const active = new Uint8Array(n).fill(1);
  const members: Int32Array[] = Array.from({ length: n }, (_, i) => Int32Array.of(i));
  const nn = new Int32Array(n).fill(-1);
  const heap = new IndexedHeap(n);
  let lastReads = 0;
  /** Floor code of a value in [0, 2] (exact arithmetic: a float32 times an integer < 2¹⁴). */
  const floorCode = (v: number): number => Math.floor(v * BOUND_SCALE);
  /**
   * Linkage of slots p < q: the exact value (≥ 0) when it is ≤ cutoff, else the exact value or, with a
   * `bounded` evaluator, possibly a tighter bound > cutoff, returned negated and stored as the entry's bound.
   */
  const value = (p: number, q: number, cutoff: number): number => {
    const idx = rowBase[p]! + col[q]!;
    const e = code[idx]!;
    if (e & EXACT) return single[p]! & single[q]! ? d[idx]! : known.get(idx);
    // Linkage values are float32, as in a float32 cluster-distance matrix (heights match genericCore).
    const v = Math.fround(
      bounded ? bounded(ctx, members[p]!, members[q]!, cutoff) : linkage(ctx, members[p]!, members[q]!),
    );
    if (v < 0) {
      const c = floorCode(-v);
      if (c > e) code[idx] = c;
    } else {
      known.set(idx, v);
      code[idx] = EXACT | floorCode(v);
    }
    return v;
  };
  /** Drops an entry's side-map value (its pair stops existing or becomes a bound). */
  const forget = (idx: number, e: number, singles: number): void => {
    if (e & EXACT && !singles) known.delete(idx);
  };
  const cand = new Int32Array(n);
  const search = new CandidateSearch(n);
  const recompute = (i: number) => {
    const b = rowBase[i]!;
    // One pass: the smallest exact entry, and the bounds below it as candidates. Then evaluate the
    // candidates in increasing bound order (ties: lower slot) while one can still beat — or tie at a
    // lower slot — the best exact value: the fewest exact medians that prove the row minimum.
    let best = Infinity, arg = -1, nc = 0;
    const si = single[i]!;
    for (let j = i + 1; j < n; j++) {
      if (!active[j]) continue;
      const bj = b + col[j]!;
      const e = code[bj]!;
      if (e & EXACT) {
        if ((e ^ EXACT) / BOUND_SCALE <= best) {
          const v = si & single[j]! ? d[bj]! : known.get(bj);
          if (v < best) {
            best = v;
            arg = j;
          }
        }
      } else if (e / BOUND_SCALE <= best) cand[nc++] = j;
    }
    ctx.reads += n - i - 1;
    search.run(cand, nc, code, b, col, best, arg, (j, cutoff) => value(i, j, cutoff));
    best = search.best;
    arg = search.arg;
    nn[i] = arg;
    if (arg < 0) heap.remove(i);
    else heap.set(i, best);
  };
  for (let i = 0; i < n - 1; i++) recompute(i);
  const rec = new MergeRecorder(n, clock);
  lastReads = ctx.reads;
  while (heap.size > 0) {
    let i = heap.top();
    for (;;) {
      if (i < 0) break;
      const j = nn[i]!;
      if (j >= 0 && active[j] && value(i, j, heap.key[i]!) === heap.key[i]) break;
      // A stale or bound-only key: find the row's exact minimum.
      recompute(i);
      i = heap.top();
    }
    if (i < 0) break;
    const j = nn[i]!;
    const h = heap.key[i]!;
    if (h > threshold) break;
    active[i] = 0;
    heap.remove(i);
    members[j] = mergeSorted(members[i]!, members[j]!);
    members[i] = new Int32Array(0);
    const bi = rowBase[i]!, bj = rowBase[j]!;
    const si = single[i]!, sj = single[j]!;
    let rowMin = Infinity;
    forget(bi + col[j]!, code[bi + col[j]!]!, single[i]! & single[j]!);
    // Bounds D(k, j) ← min(D(k, i), D(k, j)) (codes rounded down, so still bounds); heap keys stay lower
    // bounds of their rows and neighbours pointing at i now point at j (both checked lazily at the top).
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === j) continue;
      const ck = col[k]!;
      const ki = k < i ? rowBase[k]! + col[i]! : bi + ck;
      const kj = k < j ? rowBase[k]! + col[j]! : bj + ck;
      const ei = code[ki]!, ej = code[kj]!;
      const ci = ei & 0x7fff, cj = ej & 0x7fff;
      const sk = single[k]!;
      forget(ki, ei, sk & si);
      forget(kj, ej, sk & sj);
      const lc = ci < cj ? ci : cj;
      code[kj] = lc;
      if (k > j) {
        if (lc < rowMin) rowMin = lc;
      } else {
        // D(k, i) with i < k sits in row i, outside k's bound: the new bound may undercut key[k].
        const lb = lc / BOUND_SCALE;
        if (lb < heap.key[k]! || heap.pos[k]! < 0) {
          nn[k] = j;
          heap.set(k, lb);
        } else if (nn[k] === i) nn[k] = j;
      }
    }
    single[i] = single[j] = 0;
    ctx.reads += 2 * n;
    // Row j holds only bounds now: its smallest is the row's key, evaluated lazily when it reaches the
    // heap's top — a cluster that merges as some other row's neighbour first never pays for its scan.
    nn[j] = -1;
    if (rowMin < Infinity) heap.set(j, rowMin / BOUND_SCALE);
    else heap.remove(j);
    rec.add(i, j, h, ctx.reads - lastReads);
    lastReads = ctx.reads;
  }
  return rec.result();
}
