/**
 * Exact median-of-pairs HAC as one sweep over the point pairs in increasing distance.
 *
 * Sweeping the pairs in increasing order, the median of the |A|·|B| member-pair distances of two clusters
 * is reached when the count of A–B pairs seen hits ⌈|A||B|/2⌉ (odd count: that pair's distance is the
 * median; even count: the mean of it and the next A–B pair). So instead of evaluating medians from member
 * pairs, the sweep keeps one counter per cluster pair that has seen a pair, and a merge adds the counters
 * of the two clusters. Merges are made in the greedy algorithm's order — each is the smallest linkage of
 * all cluster pairs, ties to the pair with the smallest first members (the textbook rule) — because every
 * pair whose count has not reached its lower middle has its median beyond the sweep. Exact medians from
 * member pairs are needed only when an even-count pair's upper middle is still ahead while its value
 * could come first, and when a merged cluster's summed counter has already passed its lower middle.
 *
 * Cost: a histogram pass, then per window of consecutive histogram bins one pass over the matrix (memory
 * order), a scatter into buckets and a radix sort of each; per pair below the final height two union–find
 * lookups and one hash probe; per merge, the counters of the side with fewer neighbours are re-keyed.
 * Memory: the window (8 bytes per pair, ≤ 2²⁴ pairs) and the counters (≈ 16–32 bytes per live cluster
 * pair) besides the float32 distances, which stay intact.
 *
 * @module
 */
import { mergeSorted } from "./_cores.ts";
import { type CoreResult, MergeRecorder } from "./_merge_recorder.ts";
import type { PairContext } from "./pair_context.ts";
import { pairMedian } from "./median.ts";
import { pointLevels, representativeLevel, sampleMembers } from "./median_sampled.ts";

/** Histogram bins are the top 20 bits of a float32 distance (values in [0, 2] stay below 2³⁰). */
const BIN_SHIFT = 12;
const BINS = (0x40000000 >>> BIN_SHIFT) + 1;
/** Flag bit of a counter whose pair is pending or ready (its state lives in the hot map). */
const HOT = 1 << 30;
/**
 * Flag bit of a counter that holds an upper bound (sampled median: members dropped out since it was exact); it is
 * recounted from the two representative sets when the bound reaches the pair's lower middle.
 */
const DIRTY = 1 << 29;
/** Count bits: counts stay below n²/4 < 2²⁹ (n ≤ 46,340). */
const COUNT = DIRTY - 1;
/** Point ids are packed in 16 bits (extraction buffer, tie keys). */
const PACK = 65536;
/**
 * The sweep takes fewer points than this: cluster-pair keys x·n + y must fit an Int32 (n² ≤ 2³¹), which
 * also keeps every counter (≤ n²/4) below the flag bit.
 */
export const MEDIAN_SWEEP_MAX_POINTS = 46341;

const PENDING = 1, READY = 2;

/** Options of {@link medianSweepCore}. */
export interface MedianSweepOptions {
  /** Most pairs extracted per window: the sweep's working buffer, 8 bytes each [pairs / 4, within 2¹⁶..2²⁴]. */
  windowPairs?: number;
  /**
   * Most cluster pairs reached (queued or pending) at once before the sweep gives up [max(4n, 65,536)]. Only
   * massive exact ties get there (thousands of duplicates: every pair of copies is reached at the same
   * distance before any merge, and each merge re-queues its cluster's pairs); random vectors peak below n/1.5.
   */
  maxReached?: number;
  /**
   * Count only pairs between cluster representatives: the sampled median (`median_sampled.ts`) with the
   * context's `samplePairs` and `seed`. Merges come out in the greedy order, inversions counted [false].
   */
  sampled?: boolean;
}

/** Thrown inside the sweep when it gives up (see {@link MedianSweepOptions.maxReached}). */
class Flooded extends Error {}

interface HotEntry {
  state: typeof PENDING | typeof READY;
  /** PENDING: the lower middle; READY: the median. */
  value: number;
  stamp: number;
}

/**
 * Exact median-of-pairs HAC by a distance sweep (see the module comment). Cluster ids are union–find
 * roots (member points), so raw merges name a member point of each side.
 *
 * @param ctx pair source (any layout, n ≤ 46,340) and the gather buffers for exact medians
 * @param threshold no merge above this height (Infinity: the full dendrogram)
 * @param clock per-merge timing (ms), or undefined
 * @param options working-buffer size, give-up limit
 * @returns raw merges (not in height order: sort them), per-merge seconds and pair reads; null when the
 *   sweep gave up on massive ties (run the generic loop instead)
 */
export function medianSweepCore(
  ctx: PairContext,
  threshold: number,
  clock: (() => number) | undefined,
  options: MedianSweepOptions = {},
): CoreResult | null {
  try {
    return sweep(ctx, threshold, clock, options);
  } catch (e) {
    if (e instanceof Flooded) return null;
    throw e;
  }
}

/** The sweep itself; throws {@link Flooded} past `maxReached`. */
function sweep(
  ctx: PairContext,
  threshold: number,
  clock: (() => number) | undefined,
  options: MedianSweepOptions,
): CoreResult {
  const { n, rowBase, col, bits } = ctx.src;
  const pairs = (n * (n - 1)) / 2;
  const maxReached = options.maxReached ?? Math.max(4 * n, 1 << 16);
  if (n >= MEDIAN_SWEEP_MAX_POINTS) {
    throw new RangeError(`the median sweep takes fewer than ${MEDIAN_SWEEP_MAX_POINTS} points, got ${n}`);
  }
  const sampled = options.sampled === true;
  const rec = new MergeRecorder(n, clock);
  let readsAtLast = 0;
  /** Pairs taken from the sorted windows so far (up to the current one). */
  let swept = 0;
  // The exact median's rows are sorted by height afterwards (tied medians may merge in another order);
  // the sampled median's stay in the greedy order, which may have inversions.
  if (n < 2) return rec.result(!sampled);

  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  /** Members counted per cluster: all of them, or its representatives (sampled). */
  const size = new Float64Array(n).fill(1);
  /**
   * Sampled: whether a point represents its cluster (a point that drops out never comes back); null for the
   * exact median (every member counts).
   */
  const isRep = sampled ? new Uint8Array(n).fill(1) : null;
  /** Sampled: the representatives in increasing order, with ids that dropped out until the next compaction. */
  const repList = sampled ? Int32Array.from({ length: n }, (_, i) => i) : null!;
  let repCount = n, repLive = n;
  /** Drops the ids that no longer represent from the list (kept increasing: scans read rows in order). */
  const compactReps = (): void => {
    let w = 0;
    for (let q = 0; q < repCount; q++) if (isRep![repList[q]!]) repList[w++] = repList[q]!;
    repCount = w;
  };
  const levels = sampled ? pointLevels(ctx) : null;
  const repsWanted = sampleMembers(ctx.samplePairs);
  /** Sweep position: pairs before (bits, packed pair) here, in (distance, pair) order, have been counted. */
  let posBits = 0, posItem = 0;
  /** Smallest member point: ties between equal linkages go to the pair with the smallest first members. */
  const first = Int32Array.from({ length: n }, (_, i) => i);
  /** Counted members of each cluster (all, or its representatives), sorted. */
  const members: (Int32Array | null)[] = Array.from({ length: n }, (_, i) => Int32Array.of(i));
  let clusters = n;
  const counts = new PairCounts(n);
  const hot = new Map<number, HotEntry>();
  const hotOf: number[][] = Array.from({ length: n }, () => []);
  const heap = new ReadyHeap();
  /** Pending pairs by lower middle (stale items skipped by stamp). */
  const pending = new ReadyHeap();
  let stamps = 0;
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  /** Bit pattern above which an event must first drain the queue (the queue's smallest height). */
  let drainBits = 0x7fffffff;
  /** Distance of the last pair swept (every counter holds exactly the pairs up to it). */
  let lastSwept = -Infinity;

  const tieKey = (a: number, b: number): number => {
    const fa = first[a]!, fb = first[b]!;
    return fa < fb ? fa * PACK + fb : fb * PACK + fa;
  };
  const exactMedian = (a: number, b: number): number => Math.fround(pairMedian(ctx, members[a]!, members[b]!));
  const setHot = (key: number, a: number, b: number, state: typeof PENDING | typeof READY, value: number): void => {
    const stamp = ++stamps;
    hot.set(key, { state, value, stamp });
    if (hot.size > maxReached) throw new Flooded();
    counts.flag(key, true);
    hotOf[a]!.push(key);
    hotOf[b]!.push(key);
    if (state === READY) {
      heap.push(value, tieKey(a, b), key, stamp);
      f32[0] = value;
      if (u32[0]! < drainBits) drainBits = u32[0]!;
    } else pending.push(value, 0, key, stamp);
  };
  /** A merged pair's state from its counter and the new sizes (exact median when already reached). */
  const restate = (key: number, h: number): void => {
    hot.delete(key);
    counts.flag(key, false);
    const a = Math.floor(key / n), b = key - a * n;
    const p = size[a]! * size[b]!, need = Math.ceil(p / 2);
    let c = counts.get(key);
    if (c < need) return; // (a bound below the middle stays a bound)
    if (counts.isDirty(key)) {
      c = recount(a, b);
      counts.setExact(key, c);
      if (c < need) return;
    }
    // Reached already. Its median is ≥ h (reducibility) and, once both middles are counted, ≤ the last
    // value swept: when those meet (tied distances, e.g. duplicates) it is h without a look at the pairs.
    // (Not for the sampled median: it is not reducible.)
    const settled = !sampled && c >= need + (p % 2 === 0 ? 1 : 0) && h === lastSwept;
    setHot(key, a, b, READY, settled ? h : exactMedian(a, b));
  };

  /** Sampled: the swept pairs between the representatives of clusters a and b (an exact counter value). */
  const recount = (a: number, b: number): number => {
    const ra = members[a]!, rb = members[b]!;
    let c = 0;
    for (let i = 0; i < ra.length; i++) {
      const x = ra[i]!, cx = col[x]!, bx = rowBase[x]!;
      for (let j = 0; j < rb.length; j++) {
        const y = rb[j]!;
        const vb = bits[x < y ? bx + col[y]! : rowBase[y]! + cx]!;
        if (vb < posBits || (vb === posBits && (x < y ? x * PACK + y : y * PACK + x) < posItem)) c++;
      }
    }
    ctx.reads += ra.length * rb.length;
    return c;
  };

  /**
   * The sampled median's merge. The union's representatives are the two sides' that reach its new level. When
   * one side loses every member and the other none (a small cluster joining a large one, the common case on
   * real faces), the union's sample is the kept side's: its counters and queued medians stay exactly as they
   * were and the other side's are dropped. Otherwise the counters are added as for the exact median; when
   * members dropped out, the sums over-count their pairs, so they become upper bounds (DIRTY) and every pair of
   * the merged cluster is re-derived — a bound below its lower middle needs nothing yet; one at or above it, or
   * reaching it later in the sweep, is recounted from the two representative sets (|R_A|·|R_B| reads).
   */
  const mergeSampled = (a: number, b: number, h: number): void => {
    const ra = members[a]!, rb = members[b]!;
    const union = mergeSorted(ra, rb);
    const l = union.length > repsWanted ? representativeLevel(levels!, union, repsWanted) : 0;
    let sa = 0, sb = 0;
    for (let i = 0; i < ra.length; i++) if (levels![ra[i]!]! >= l) sa++;
    for (let i = 0; i < rb.length; i++) if (levels![rb[i]!]! >= l) sb++;
    const da = ra.length - sa, db = rb.length - sb;
    // One side loses every member and the other none: that side's counters stay exact (the union's sample is
    // the kept side's); otherwise the two sides' counters are added and, with drop-outs, become upper bounds.
    const keepA = sb === 0 && da === 0, keepB = sa === 0 && db === 0;
    const keep = keepA ? a : keepB ? b : counts.degree(a) >= counts.degree(b) ? a : b;
    const gone = keep === a ? b : a;
    const sGone = keep === a ? sb : sa, dKeep = keep === a ? da : db;
    const absorbGone = !(keepA || keepB);
    parent[gone] = keep;
    const firstChanged = first[gone]! < first[keep]!;
    if (firstChanged) first[keep] = first[gone]!;
    const reps = new Int32Array(sa + sb);
    let w = 0;
    for (let i = 0; i < union.length; i++) {
      const x = union[i]!;
      if (levels![x]! >= l) reps[w++] = x;
      else isRep![x] = 0;
    }
    members[keep] = reps;
    members[gone] = null;
    size[keep] = reps.length;
    clusters--;
    repLive -= da + db;
    for (const k of hotOf[gone]!) hot.delete(k);
    hotOf[gone] = [];
    const redo = new Set<number>();
    const gridChanged = dKeep > 0 || sGone > 0;
    if (gridChanged) {
      for (const k of hotOf[keep]!) if (hot.has(k)) redo.add(k);
      hotOf[keep] = [];
    }
    if (absorbGone) counts.absorb(keep, gone, parent, redo);
    else counts.discard(keep, gone, parent);
    if (repLive * 2 < repCount) compactReps();
    if (gridChanged) {
      // No drop-out: the union's sample is both sides' (as for the exact median, a pair that neither side had
      // reached cannot have reached its middle). Otherwise every pair of the merged cluster is re-derived.
      if (da + db > 0) {
        counts.neighbours(keep, parent, (k) => {
          counts.markDirty(k);
          redo.add(k);
        });
      }
      for (const k of redo) restate(k, h);
    } else if (firstChanged) {
      // Same sample, same medians; only the tie keys of queued merges move to the new smallest member.
      const keys = new Set(hotOf[keep]!);
      hotOf[keep] = [];
      for (const k of keys) {
        const st = hot.get(k);
        if (!st) continue;
        if (st.state !== READY) {
          hotOf[keep]!.push(k);
          continue;
        }
        const x = Math.floor(k / n);
        setHot(k, x, k - x * n, READY, st.value);
      }
    }
  };

  const merge = (key: number, h: number): void => {
    const a = Math.floor(key / n), b = key - a * n;
    if (sampled) {
      mergeSampled(a, b, h);
      rec.add(a, b, h, ctx.reads + swept - readsAtLast);
      readsAtLast = ctx.reads + swept;
      return;
    }
    // The side with fewer neighbours is re-keyed into the other.
    const keep = counts.degree(a) >= counts.degree(b) ? a : b, gone = keep === a ? b : a;
    parent[gone] = keep;
    size[keep] = size[keep]! + size[gone]!;
    if (first[gone]! < first[keep]!) first[keep] = first[gone]!;
    members[keep] = mergeSorted(members[keep]!, members[gone]!);
    members[gone] = null;
    clusters--;
    // Hot states of either side are void now: the gone side's go, the kept side's are re-derived.
    const redo = new Set<number>();
    for (const k of hotOf[gone]!) hot.delete(k);
    for (const k of hotOf[keep]!) if (hot.has(k)) redo.add(k);
    hotOf[gone] = [];
    hotOf[keep] = [];
    counts.absorb(keep, gone, parent, redo);
    // The counted members of the union are those of both sides, so a pair that neither side had reached
    // cannot have reached its middle.
    for (const k of redo) restate(k, h);
    // Pair distances consumed since the previous merge: swept pairs, matrix passes and exact medians.
    rec.add(a, b, h, ctx.reads + swept - readsAtLast);
    readsAtLast = ctx.reads + swept;
  };

  const heapTopBits = (): number => {
    f32[0] = heap.topValue();
    return u32[0]!;
  };
  /**
   * Merges queued pairs while the smallest has height < `below`, in the greedy algorithm's order: each
   * merge is the smallest linkage of all cluster pairs (ties: smallest first members). Unreached pairs have their
   * median beyond `below`. A pending pair's upper middle is at or beyond `below` too (the sweep would
   * have met it), so its median is at least the mean of its lower middle and `below`: pending pairs that
   * bound cannot place above the candidate get their exact median first.
   */
  const drainImpl = (below: number): void => {
    while (heap.size > 0 && heap.topValue() < below) {
      const key = heap.topPair(), stamp = heap.topStamp(), h = heap.topValue(), tk = heap.topTie();
      heap.pop();
      const st = hot.get(key);
      if (!st || st.stamp !== stamp) continue;
      if (h > threshold) {
        heap.push(h, tk, key, stamp);
        return;
      }
      let preempted = false;
      while (pending.size > 0) {
        const pk = pending.topPair(), ps = pending.topStamp(), h1 = pending.topValue();
        const e = hot.get(pk);
        if (e && e.stamp === ps && Math.fround((h1 + below) / 2) > h) break;
        pending.pop();
        if (!e || e.stamp !== ps) continue;
        const x = Math.floor(pk / n), y = pk - x * n;
        const v = exactMedian(x, y);
        setHot(pk, x, y, READY, v);
        if (v < h || (v === h && tieKey(x, y) < tk)) preempted = true;
      }
      if (preempted) {
        heap.push(h, tk, key, stamp);
        continue;
      }
      merge(key, h);
      if (clusters === 1) return;
    }
  };
  /** Drains below `below`, then re-arms the event loop's drain trigger. */
  const drainAndArm = (below: number): void => {
    drainImpl(below);
    drainBits = heap.size > 0 ? heapTopBits() : 0x7fffffff;
  };

  // Highest float32 bit pattern ≤ threshold (non-negative floats order like their bits).
  let maxBits = 0x40000000;
  if (threshold < 2) {
    f32[0] = threshold;
    if (f32[0]! > threshold) u32[0] = u32[0]! - 1;
    maxBits = u32[0]!;
  }
  const maxBin = maxBits >>> BIN_SHIFT;

  // Pass 1: pairs per bin.
  const hist = new Int32Array(BINS + 1);
  for (let x = 0; x < n - 1; x++) {
    const rb = rowBase[x]!;
    for (let y = x + 1; y < n; y++) hist[bits[rb + col[y]!]! >>> BIN_SHIFT]!++;
  }
  ctx.reads += pairs;

  // Then windows of consecutive bins: extract their pairs in pair order, sort each bin stably by the
  // low bits (so by distance, then pair index), and sweep them.
  const windowCap = Math.max(1, options.windowPairs ?? Math.min(1 << 24, Math.max(1 << 16, Math.ceil(pairs / 4))));
  const buf = new WindowBuffers();
  /** The clusters and pair key of the pair where {@link countRun} stopped. */
  const event = new Int32Array(3);
  /** Sweeps one window's pairs (sorted); false once the sweep is over (past the threshold, one cluster). */
  const sweepWindow = (items: Uint32Array, vbits: Uint32Array, total: number): boolean => {
    ctx.reads += pairs;
    const sweptBefore = swept;
    for (let k = 0; k < total; k++) {
      // Plain counter increments run in a small loop of their own; it stops at an event that needs more.
      k = countRun(
        event,
        items,
        vbits,
        k,
        total,
        drainBits < maxBits ? drainBits : maxBits,
        parent,
        size,
        counts.tab,
        counts.shift,
        n,
        repLive < n ? isRep : null, // (no drop-out yet: every pair counts)
      );
      if (k === total) break;
      const vb = vbits[k]!;
      posBits = vb;
      posItem = items[k]!;
      if (vb > maxBits) {
        if (k > 0) {
          u32[0] = vbits[k - 1]!;
          lastSwept = f32[0]!;
        }
        return false;
      }
      if (vb > drainBits) {
        swept = sweptBefore + k;
        if (k > 0) {
          u32[0] = vbits[k - 1]!;
          lastSwept = f32[0]!;
        }
        u32[0] = vb;
        drainAndArm(f32[0]!);
        if (clusters === 1) return false;
        k--; // the same pair again, with the merged clusters
        continue;
      }
      const x = event[0]!, y = event[1]!, key = event[2]!;
      // A bound about to reach the lower middle: count exactly first (the pairs before this one).
      if (sampled && counts.isDirty(key)) counts.setExact(key, recount(x, y));
      const c = counts.increment(key, x, y);
      const p = size[x]! * size[y]!;
      const need = (p + 1) >>> 1;
      if ((c & HOT) === 0) {
        if (c !== need) continue;
        // Lower middle reached: odd count → the median; even → wait for the upper middle.
        u32[0] = vb;
        setHot(key, x, y, p & 1 ? READY : PENDING, f32[0]!);
      } else if ((c & COUNT) === need + 1) {
        const st = hot.get(key)!;
        u32[0] = vb;
        if (st.state === PENDING) setHot(key, x, y, READY, Math.fround((st.value + f32[0]!) / 2));
      }
    }
    swept = sweptBefore + total;
    if (total > 0) {
      u32[0] = vbits[total - 1]!;
      lastSwept = f32[0]!;
      posBits = vbits[total - 1]!;
      posItem = items[total - 1]! + 1;
    }
    return true;
  };
  let bin = 0;
  while (bin <= maxBin && clusters > 1) {
    let windows: Window[];
    if (hist[bin]! > windowCap) {
      // A bin heavier than a window (heavily tied distances): split it by exact value, then by rows.
      const split = heavyBinWindows(ctx.src, bits, bin, windowCap);
      windows = split.windows;
      ctx.reads += split.passes * pairs;
      bin++;
    } else {
      let end = bin, total = 0;
      while (end <= maxBin && hist[end]! <= windowCap && total + hist[end]! <= windowCap) total += hist[end++]!;
      windows = [{ lo: bin << BIN_SHIFT, hi: end << BIN_SHIFT, rowLo: 0, rowHi: n - 1, total }];
      bin = end;
    }
    let going = true;
    for (const w of windows) {
      if (w.total === 0) continue;
      // Few representatives left: visit only their pairs (else whole rows, skipping the others' pairs).
      if (sampled && repLive * 3 < n) compactReps();
      const sparseReps = sampled && repLive * 3 < n ? repList.subarray(0, repCount) : null;
      const { items, vbits } = buf.extract(ctx.src, bits, hist, w, repLive < n ? isRep : null, sparseReps);
      if (!(going = sweepWindow(items, vbits, items.length))) break;
    }
    if (!going) break;
  }
  if (clusters > 1) {
    // Past the threshold or out of pairs: a pending pair may still have its median at or below it.
    for (const [key, st] of hot) {
      if (st.state !== PENDING || st.value > threshold) continue;
      const a = Math.floor(key / n), b = key - a * n;
      setHot(key, a, b, READY, exactMedian(a, b));
    }
    drainAndArm(Infinity);
  }
  return rec.result(!sampled);
}

/** Records where {@link countRun} stopped. */
function stop(event: Int32Array, k: number, x: number, y: number, key: number): number {
  event[0] = x;
  event[1] = y;
  event[2] = key;
  return k;
}

/**
 * The sweep's inner loop: counts events k in [s, e) while each is a plain increment of an existing
 * counter, and returns the first k that needs more (beyond `stopBits`, a new counter, a hot counter, or
 * a counter reaching its lower middle) — unprocessed — or e. Past `stopBits` nothing is decoded (merges
 * come first); otherwise `event` holds the pair's two clusters and key.
 */
function countRun(
  event: Int32Array,
  items: Uint32Array,
  vbits: Uint32Array,
  s: number,
  e: number,
  stopBits: number,
  parent: Int32Array,
  size: Float64Array,
  tab: Int32Array,
  shift: number,
  n: number,
  isRep: Uint8Array | null,
): number {
  const mask = (tab.length >> 1) - 1;
  for (let k = s; k < e; k++) {
    if (vbits[k]! > stopBits) return k;
    const it = items[k]!;
    let x = it >>> 16, y = it & 0xffff;
    if (isRep !== null && (isRep[x]! & isRep[y]!) === 0) continue;
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    while (parent[y] !== y) y = parent[y] = parent[parent[y]!]!;
    if (x === y) continue;
    const key = x < y ? x * n + y : y * n + x;
    let p = Math.imul(key, 0x9e3779b1) >>> shift;
    for (;;) {
      const kk = tab[2 * p]!;
      if (kk === key) break;
      if (kk === -1) return stop(event, k, x, y, key);
      p = (p + 1) & mask;
    }
    const c = tab[2 * p + 1]!;
    if (c & HOT || (c & COUNT) + 1 === (size[x]! * size[y]! + 1) >>> 1) return stop(event, k, x, y, key);
    tab[2 * p + 1] = c + 1;
  }
  return e;
}

/** Radix of the window sort: 12-bit digits (4,096 open streams keep the scatter's cache lines in L2). */
const DIGIT = 12;
/** A window's pairs are first scattered into about this many buckets of consecutive histogram bins. */
const BUCKETS = 2048;
/** Pairs staged (in L2) before they are scattered into their buckets. */
const STAGE = 1 << 15;

/** A slice of the sweep order: pairs of rows [rowLo, rowHi) with distance bits in [lo, hi); `total` of them. */
interface Window {
  lo: number;
  hi: number;
  rowLo: number;
  rowHi: number;
  total: number;
}

/**
 * Windows covering one histogram bin that holds more pairs than a window: one pass counts the bin's pairs per
 * exact value; runs of values become windows, and a single value heavier than a window (exact ties, e.g.
 * duplicates) is split into runs of rows — pair order within one value.
 */
function heavyBinWindows(
  src: { n: number; rowBase: Int32Array | Float64Array; col: Int32Array | Float64Array },
  bits: Uint32Array,
  bin: number,
  cap: number,
): { windows: Window[]; passes: number } {
  const { n, rowBase, col } = src;
  const perValue = new Float64Array(1 << BIN_SHIFT);
  for (let x = 0; x < n - 1; x++) {
    const rb = rowBase[x]!;
    for (let y = x + 1; y < n; y++) {
      const v = bits[rb + col[y]!]!;
      if (v >>> BIN_SHIFT === bin) perValue[v & ((1 << BIN_SHIFT) - 1)]!++;
    }
  }
  const base = bin << BIN_SHIFT;
  const windows: Window[] = [];
  let passes = 1;
  let low = 0;
  while (low < perValue.length) {
    if (perValue[low]! > cap) {
      const value = base + low;
      const perRow = new Float64Array(n);
      passes++;
      for (let x = 0; x < n - 1; x++) {
        const rb = rowBase[x]!;
        for (let y = x + 1; y < n; y++) if (bits[rb + col[y]!] === value) perRow[x]!++;
      }
      for (let row = 0; row < n - 1;) {
        let end = row, total = 0;
        while (end < n - 1 && (end === row || total + perRow[end]! <= cap)) total += perRow[end++]!;
        windows.push({ lo: value, hi: value + 1, rowLo: row, rowHi: end, total });
        row = end;
      }
      low++;
      continue;
    }
    let end = low, total = 0;
    while (end < perValue.length && perValue[end]! <= cap && total + perValue[end]! <= cap) total += perValue[end++]!;
    windows.push({ lo: base + low, hi: base + end, rowLo: 0, rowHi: n - 1, total });
    low = end;
  }
  return { windows, passes };
}

/**
 * The sweep's window: the pairs of a {@link Window}, as packed point pairs (x << 16 | y)
 * and distance bits, sorted by (distance, pair index). One pass over the matrix scatters them, in pair
 * order, into ≈ 2,048 buckets of consecutive bins (offsets known from the histogram) through a small staging
 * buffer filled without branches; each bucket is then sorted by a
 * stable LSD radix sort (12-bit digits) through a buffer the size of the largest bucket. Memory: 8 bytes
 * per pair of the window.
 */
class WindowBuffers {
  #items = new Uint32Array(0);
  #vbits = new Uint32Array(0);
  #tmpItems = new Uint32Array(0);
  #tmpBits = new Uint32Array(0);
  readonly #stageItems = new Uint32Array(STAGE + 1);
  readonly #stageBits = new Uint32Array(STAGE + 1);
  readonly #count = new Int32Array(1 << DIGIT);
  extract(
    src: { n: number; rowBase: Int32Array | Float64Array; col: Int32Array | Float64Array },
    bits: Uint32Array,
    hist: Int32Array,
    window: Window,
    rep: Uint8Array | null,
    repList: Int32Array | null,
  ): { items: Uint32Array; vbits: Uint32Array } {
    const { total, rowLo, rowHi } = window;
    const b0 = window.lo >>> BIN_SHIFT, b1 = ((window.hi - 1) >>> BIN_SHIFT) + 1;
    if (this.#items.length < total) {
      this.#items = new Uint32Array(total);
      this.#vbits = new Uint32Array(total);
    }
    const items = this.#items, vb = this.#vbits;
    // Buckets of consecutive bins holding ≈ total / BUCKETS pairs each (a heavier bin is a bucket alone).
    const span = b1 - b0;
    const bucketOf = new Int32Array(span);
    const starts: number[] = [0];
    const target = Math.max(1, Math.ceil(total / BUCKETS));
    let planned = 0;
    for (let r = 0; r < span; r++) {
      const c = span === 1 ? total : hist[b0 + r]!;
      if (planned > 0 && planned + c > target) {
        starts.push(starts[starts.length - 1]! + planned);
        planned = 0;
      }
      bucketOf[r] = starts.length - 1;
      planned += c;
    }
    const buckets = starts.length;
    starts.push(total);
    const cursor = Int32Array.from(starts.slice(0, buckets));
    const stageItems = this.#stageItems, stageBits = this.#stageBits;
    const flush = (len: number): void => {
      for (let i = 0; i < len; i++) {
        const v = stageBits[i]!;
        const p = cursor[bucketOf[(v >>> BIN_SHIFT) - b0]!]!++;
        items[p] = stageItems[i]!;
        vb[p] = v;
      }
    };
    // Branch-free staging (a window holds a random few percent of the pairs: a branch would mispredict):
    // every pair is written at the stage's end, which advances only when the pair lies in the window.
    const lo = window.lo, last = window.hi - window.lo - 1;
    const { n, rowBase, col } = src;
    let staged = 0;
    if (repList !== null) {
      // Only pairs of representatives (increasing ids: row reads stay in order).
      const len = repList.length;
      let q0 = 0;
      while (q0 < len && repList[q0]! < rowLo) q0++;
      for (let qx = q0; qx < len; qx++) {
        const x = repList[qx]!;
        if (x >= rowHi) break;
        const rb = rowBase[x]!, px = x << 16;
        for (let qy = qx + 1; qy < len; qy++) {
          const y = repList[qy]!;
          const v = bits[rb + col[y]!]!;
          const d = v - lo;
          stageItems[staged] = px | y;
          stageBits[staged] = v;
          staged += 1 + ((d | (last - d)) >> 31);
          if (staged === STAGE) {
            flush(staged);
            staged = 0;
          }
        }
      }
    }
    for (let x = repList === null ? rowLo : rowHi; x < rowHi; x++) {
      const rb = rowBase[x]!, px = x << 16;
      if (rep === null) {
        for (let y = x + 1; y < n; y++) {
          const v = bits[rb + col[y]!]!;
          const d = v - lo;
          stageItems[staged] = px | y;
          stageBits[staged] = v;
          staged += 1 + ((d | (last - d)) >> 31);
          if (staged === STAGE) {
            flush(staged);
            staged = 0;
          }
        }
        continue;
      }
      // Sampled median: pairs with a member that no longer represents its cluster never count again.
      if (!rep[x]) continue;
      for (let y = x + 1; y < n; y++) {
        const v = bits[rb + col[y]!]!;
        const d = v - lo;
        stageItems[staged] = px | y;
        stageBits[staged] = v;
        staged += (1 + ((d | (last - d)) >> 31)) & rep[y]!;
        if (staged === STAGE) {
          flush(staged);
          staged = 0;
        }
      }
    }
    flush(staged);
    let largest = 0;
    for (let g = 0; g < buckets; g++) largest = Math.max(largest, starts[g + 1]! - starts[g]!);
    if (this.#tmpItems.length < largest) {
      this.#tmpItems = new Uint32Array(largest);
      this.#tmpBits = new Uint32Array(largest);
    }
    // Buckets hold [starts[g], cursor[g]) (fewer than planned when pairs were skipped): sort, then close gaps.
    let filled = 0;
    for (let g = 0; g < buckets; g++) {
      const s = starts[g]!, e = cursor[g]!;
      this.#sortBucket(s, e);
      if (s !== filled) {
        items.copyWithin(filled, s, e);
        vb.copyWithin(filled, s, e);
      }
      filled += e - s;
    }
    return { items: items.subarray(0, filled), vbits: vb.subarray(0, filled) };
  }
  /** Stable sort of items[s..e) by their distance bits (insertion sort when short, else LSD radix). */
  #sortBucket(s: number, e: number): void {
    const items = this.#items, vb = this.#vbits;
    const len = e - s;
    if (len <= 32) {
      for (let i = s + 1; i < e; i++) {
        const v = vb[i]!, it = items[i]!;
        let j = i - 1;
        while (j >= s && vb[j]! > v) {
          vb[j + 1] = vb[j]!;
          items[j + 1] = items[j]!;
          j--;
        }
        vb[j + 1] = v;
        items[j + 1] = it;
      }
      return;
    }
    let min = vb[s]!, max = min;
    for (let i = s + 1; i < e; i++) {
      const v = vb[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min;
    if (range === 0) return;
    const count = this.#count, mask = (1 << DIGIT) - 1;
    const tmpItems = this.#tmpItems, tmpBits = this.#tmpBits;
    // Digits from the lowest; each pass moves the bucket between its place and the buffer.
    let inPlace = true;
    for (let shift = 0; shift < 32 && range >>> shift > 0; shift += DIGIT) {
      const [srcI, srcV, srcOff] = inPlace ? [items, vb, s] : [tmpItems, tmpBits, 0];
      const [dstI, dstV, dstOff] = inPlace ? [tmpItems, tmpBits, 0] : [items, vb, s];
      count.fill(0);
      for (let i = 0; i < len; i++) count[((srcV[srcOff + i]! - min) >>> shift) & mask]!++;
      for (let d = 0, acc = dstOff; d <= mask; d++) {
        const c = count[d]!;
        count[d] = acc;
        acc += c;
      }
      for (let i = 0; i < len; i++) {
        const v = srcV[srcOff + i]!;
        const p = count[((v - min) >>> shift) & mask]!++;
        dstI[p] = srcI[srcOff + i]!;
        dstV[p] = v;
      }
      inPlace = !inPlace;
    }
    if (!inPlace) {
      items.set(tmpItems.subarray(0, len), s);
      vb.set(tmpBits.subarray(0, len), s);
    }
  }
}

/**
 * Counters of the cluster pairs that have seen a pair: open addressing over (key, count) in one Int32Array
 * (one cache line per probe), with per-cluster neighbour lists (may hold absorbed ids; skipped).
 */
class PairCounts {
  readonly #n: number;
  /** (key, count) slots; -1 keys are empty. Replaced on growth: re-read after any insertion. */
  tab: Int32Array;
  shift: number;
  #used = 0;
  readonly #adj: Adjacency;
  readonly #degree: Int32Array;
  constructor(n: number) {
    this.#n = n;
    this.tab = new Int32Array(2 << 16).fill(-1);
    this.shift = 16;
    this.#adj = new Adjacency(n);
    this.#degree = new Int32Array(n);
  }
  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }
  #slot(key: number): number {
    const tab = this.tab, mask = (tab.length >> 1) - 1;
    let p = this.#home(key);
    for (;;) {
      const k = tab[2 * p]!;
      if (k === key || k === -1) return p;
      p = (p + 1) & mask;
    }
  }
  /** Adds one to the counter of clusters x, y (pair key `key`), creating it; returns it with its flag. */
  increment(key: number, x: number, y: number): number {
    const tab = this.tab, mask = (tab.length >> 1) - 1;
    let p = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = tab[2 * p]!;
      if (k === key) return ++tab[2 * p + 1]!;
      if (k === -1) break;
      p = (p + 1) & mask;
    }
    tab[2 * p] = key;
    tab[2 * p + 1] = 1;
    this.#adj.push(x, y);
    this.#adj.push(y, x);
    this.#degree[x]!++;
    this.#degree[y]!++;
    if (++this.#used * 2 > tab.length >> 1) this.#rehash(1);
    return 1;
  }
  /** Count of a present pair (without its flag). */
  get(key: number): number {
    return this.tab[2 * this.#slot(key) + 1]! & COUNT;
  }
  flag(key: number, on: boolean): void {
    const p = this.#slot(key);
    const c = this.tab[2 * p + 1]!;
    this.tab[2 * p + 1] = on ? c | HOT : c & ~HOT;
  }
  degree(c: number): number {
    return this.#degree[c]!;
  }
  /** Marks a present pair's counter as an upper bound. */
  markDirty(key: number): void {
    this.tab[2 * this.#slot(key) + 1]! |= DIRTY;
  }
  /** Whether a pair's counter is present and an upper bound. */
  isDirty(key: number): boolean {
    const p = this.#slot(key);
    return this.tab[2 * p] === key && (this.tab[2 * p + 1]! & DIRTY) !== 0;
  }
  /** Sets a present pair's count exactly (clears DIRTY, keeps HOT). */
  setExact(key: number, c: number): void {
    const p = this.#slot(key);
    this.tab[2 * p + 1] = (this.tab[2 * p + 1]! & HOT) | c;
  }
  /** Adds c (may be negative) to the counter of clusters x, y (key `key`), creating it when absent. */
  add(key: number, x: number, y: number, c: number): void {
    const p = this.#slot(key);
    if (this.tab[2 * p] === key) {
      this.tab[2 * p + 1]! += c;
      return;
    }
    this.tab[2 * p] = key;
    this.tab[2 * p + 1] = c;
    this.#adj.push(x, y);
    this.#adj.push(y, x);
    this.#degree[x]!++;
    this.#degree[y]!++;
    if (++this.#used * 2 > this.tab.length >> 1) this.#rehash(1);
  }
  /** Cluster `gone` joins `keep` without its counters: each gone–x counter (keep–gone included) is removed. */
  discard(keep: number, gone: number, parent: Int32Array): void {
    const n = this.#n, adj = this.#adj;
    for (let i = 0, len = adj.length(gone); i < len; i++) {
      const x = adj.get(gone, i);
      if ((parent[x] !== x && x !== keep) || x === gone) continue;
      if (this.#take(x < gone ? x * n + gone : gone * n + x) >= 0) this.#degree[x]!--;
    }
    adj.clear(gone);
    this.#degree[gone] = 0;
    if (this.#used * 16 < this.tab.length >> 1 && this.tab.length > 2 << 16) this.#rehash(-1);
  }
  /** Calls `visit` with the key of every counter of live cluster c. */
  neighbours(c: number, parent: Int32Array, visit: (key: number) => void): void {
    const n = this.#n, adj = this.#adj;
    for (let i = 0, len = adj.length(c); i < len; i++) {
      const x = adj.get(c, i);
      if (parent[x] !== x || x === c) continue;
      const key = x < c ? x * n + c : c * n + x;
      if (this.tab[2 * this.#slot(key)] === key) visit(key);
    }
  }
  /**
   * Cluster `gone` joins `keep`: each gone–x counter is added to keep–x (created when absent) and removed.
   * Pairs where either counter was hot are added to `redo` (their state must be re-derived).
   */
  absorb(keep: number, gone: number, parent: Int32Array, redo: Set<number>): void {
    const n = this.#n;
    const adj = this.#adj;
    for (let i = 0, len = adj.length(gone); i < len; i++) {
      const x = adj.get(gone, i);
      if (parent[x] !== x || x === gone) continue; // absorbed since: its counters moved
      const cGone = this.#take(x < gone ? x * n + gone : gone * n + x);
      if (cGone < 0) continue;
      this.#degree[x]!--;
      if (x === keep) continue;
      const key = x < keep ? x * n + keep : keep * n + x;
      const tab = this.tab;
      const p = this.#slot(key);
      if (tab[2 * p] === key) {
        const c = tab[2 * p + 1]!;
        tab[2 * p + 1] = (c & COUNT) + (cGone & COUNT) | ((c | cGone) & (HOT | DIRTY));
        if ((c | cGone) & HOT) redo.add(key);
      } else {
        tab[2 * p] = key;
        tab[2 * p + 1] = cGone;
        this.#used++;
        adj.push(keep, x);
        adj.push(x, keep);
        this.#degree[x]!++;
        this.#degree[keep]!++;
        if (cGone & HOT) redo.add(key);
      }
    }
    adj.clear(gone);
    this.#degree[gone] = 0;
    if (this.#used * 2 > this.tab.length >> 1) this.#rehash(1);
    else if (this.#used * 16 < this.tab.length >> 1 && this.tab.length > 2 << 16) this.#rehash(-1);
    // Drop absorbed ids from keep's list once they dominate it.
    if (adj.length(keep) > 2 * this.#degree[keep]! + 16) adj.retain(keep, (x) => parent[x] === x && x !== keep);
  }
  /** Removes a pair's counter (backward-shift deletion); returns it with its flag, −1 when absent. */
  #take(key: number): number {
    const tab = this.tab, mask = (tab.length >> 1) - 1;
    let i = this.#slot(key);
    if (tab[2 * i] !== key) return -1;
    const c = tab[2 * i + 1]!;
    for (let j = (i + 1) & mask;; j = (j + 1) & mask) {
      const k = tab[2 * j]!;
      if (k === -1) break;
      const h = this.#home(k);
      if (j > i ? h <= i || h > j : h <= i && h > j) {
        tab[2 * i] = k;
        tab[2 * i + 1] = tab[2 * j + 1]!;
        i = j;
      }
    }
    tab[2 * i] = -1;
    this.#used--;
    return c;
  }
  /** Doubles (+1) or halves (−1) the table. */
  #rehash(direction: 1 | -1): void {
    const old = this.tab;
    this.tab = new Int32Array(direction > 0 ? old.length * 2 : old.length / 2).fill(-1);
    this.shift -= direction;
    const tab = this.tab, mask = (tab.length >> 1) - 1;
    for (let p = 0; p < old.length; p += 2) {
      const k = old[p]!;
      if (k === -1) continue;
      let q = this.#home(k);
      while (tab[2 * q] !== -1) q = (q + 1) & mask;
      tab[2 * q] = k;
      tab[2 * q + 1] = old[p + 1]!;
    }
  }
}

/**
 * Per-cluster lists of ints in one Int32Array arena: a list that fills up moves to the arena's end with
 * twice the room; the arena is compacted (or grown) when its end is reached. No per-list allocation.
 */
class Adjacency {
  #data: Int32Array;
  #top = 0;
  /** Room held by live lists (what a compaction keeps). */
  #held = 0;
  readonly #start: Int32Array;
  readonly #len: Int32Array;
  readonly #cap: Int32Array;
  constructor(lists: number) {
    this.#data = new Int32Array(Math.max(1024, 16 * lists));
    this.#start = new Int32Array(lists);
    this.#len = new Int32Array(lists);
    this.#cap = new Int32Array(lists);
  }
  length(c: number): number {
    return this.#len[c]!;
  }
  /** Item i of list c (read through the arena each time: a push elsewhere may move the lists). */
  get(c: number, i: number): number {
    return this.#data[this.#start[c]! + i]!;
  }
  push(c: number, v: number): void {
    const l = this.#len[c]!;
    if (l === this.#cap[c]!) this.#grow(c);
    this.#data[this.#start[c]! + l] = v;
    this.#len[c] = l + 1;
  }
  clear(c: number): void {
    this.#held -= this.#cap[c]!;
    this.#cap[c] = 0;
    this.#len[c] = 0;
  }
  /** Keeps the items of list c that pass `keep`, in order. */
  retain(c: number, keep: (v: number) => boolean): void {
    const data = this.#data, s = this.#start[c]!, l = this.#len[c]!;
    let k = 0;
    for (let i = 0; i < l; i++) {
      const v = data[s + i]!;
      if (keep(v)) data[s + k++] = v;
    }
    this.#len[c] = k;
  }
  #grow(c: number): void {
    const cap = Math.max(4, 2 * this.#cap[c]!);
    if (this.#top + cap > this.#data.length) this.#compact(cap);
    const data = this.#data, s = this.#start[c]!;
    data.copyWithin(this.#top, s, s + this.#len[c]!);
    this.#start[c] = this.#top;
    this.#top += cap;
    this.#held += cap - this.#cap[c]!;
    this.#cap[c] = cap;
  }
  #compact(extra: number): void {
    const need = this.#held + extra;
    const size = need * 2 > this.#data.length ? Math.max(2 * this.#data.length, 2 * need) : this.#data.length;
    const old = this.#data, next = new Int32Array(size);
    let top = 0;
    for (let c = 0; c < this.#cap.length; c++) {
      const cap = this.#cap[c]!;
      if (cap === 0) continue;
      const s = this.#start[c]!;
      next.set(old.subarray(s, s + this.#len[c]!), top);
      this.#start[c] = top;
      top += cap;
    }
    this.#data = next;
    this.#top = top;
  }
}

/** Min-heap of ready merges keyed by (height, tie key), with the pair key and stamp of each. */
class ReadyHeap {
  #v = new Float64Array(256);
  #t = new Float64Array(256);
  #k = new Float64Array(256);
  #s = new Float64Array(256);
  size = 0;
  topValue(): number {
    return this.#v[0]!;
  }
  topTie(): number {
    return this.#t[0]!;
  }
  topPair(): number {
    return this.#k[0]!;
  }
  topStamp(): number {
    return this.#s[0]!;
  }
  #less(p: number, q: number): boolean {
    const a = this.#v[p]!, b = this.#v[q]!;
    return a < b || (a === b && this.#t[p]! < this.#t[q]!);
  }
  #swap(p: number, q: number): void {
    for (const arr of [this.#v, this.#t, this.#k, this.#s]) {
      const t = arr[p]!;
      arr[p] = arr[q]!;
      arr[q] = t;
    }
  }
  push(v: number, tie: number, key: number, stamp: number): void {
    if (this.size === this.#v.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#v = grow(this.#v);
      this.#t = grow(this.#t);
      this.#k = grow(this.#k);
      this.#s = grow(this.#s);
    }
    let p = this.size++;
    this.#v[p] = v;
    this.#t[p] = tie;
    this.#k[p] = key;
    this.#s[p] = stamp;
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (!this.#less(p, q)) break;
      this.#swap(p, q);
      p = q;
    }
  }
  pop(): void {
    const last = --this.size;
    if (last > 0) this.#swap(0, last);
    let p = 0;
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let s = p;
      if (l < this.size && this.#less(l, s)) s = l;
      if (r < this.size && this.#less(r, s)) s = r;
      if (s === p) return;
      this.#swap(p, s);
      p = s;
    }
  }
}
