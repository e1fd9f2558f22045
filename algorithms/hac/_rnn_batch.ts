/**
 * Batched reciprocal-nearest-neighbour HAC for Lance–Williams linkages (single, complete, average).
 *
 * For a reducible linkage every pair of reciprocal nearest neighbours (RNN) is a merge of the exact
 * dendrogram, and merging one RNN pair never breaks another (D(A∪B, C) ≥ min(D(A, C), D(B, C))). So a
 * round finds every RNN pair at once and merges them all (on random and real embeddings half of the
 * points start in an RNN pair; later rounds merge 5–10 % of the clusters).
 *
 * Why rounds: on a matrix stored once per pair, one merge at a time reads a column per merged cluster —
 * one cache line per value at N = 20,000, ≈ 15–30 ns each — which is where an NN-chain spends its time.
 * A round instead
 * - finds all nearest neighbours in one row-ordered pass (contiguous reads, ≈ 1.3 ns each), or rescans
 *   only the rows that went stale when they are few (a neighbour that did not merge stays valid:
 *   every new entry is ≥ the smaller of two entries of the same row);
 * - updates each merged cluster against every other active cluster: rows of the two merged slots are
 *   streamed together beyond the retired slot, and the rest is done row by row (row k's entries read in
 *   place, results in row a at column k advancing like a cursor);
 * - combines merged clusters with each other from their four original entries (Lance–Williams algebra:
 *   merging A∪B and C∪D in either order gives the same value).
 * Every phase splits into independent parts (rows, pairs) with disjoint writes, so with a shared matrix
 * the parts run on worker threads ({@link rnnBatchCore}'s `threads`); the arithmetic of every entry is
 * the same in any split, so the result does not depend on the thread count.
 * The rounds make exactly the merges of the sequential algorithms (the dendrogram of a reducible linkage
 * is unique without ties); their rows come out per round and are sorted by height afterwards. Per-merge
 * seconds and reads are the round's, spread evenly over its merges.
 * @module
 */
import type { PairLayout } from "../distance/layout.ts";
import { type ChainResume, lowerBound, nnChainCore } from "./_cores.ts";
import type { LanceWilliamsRule, LanceWilliamsUpdate } from "./lance_williams.ts";
import { type CoreResult, MergeRecorder } from "./_merge_recorder.ts";
import { startWorkers, waitCount } from "../_workers.ts";

/** Slots of the shared `params` array. */
const P_COUNT = 0, P_BATCH = 1, P_RULE = 2, P_PHASE = 3, P_GEN = 4, P_DONE = 5, P_READY = 6;
const P_ERROR = 7;
/** Phases a part can run. */
export const PHASE_EXIT = 0, PHASE_FULL = 1, PHASE_SWEEP = 2, PHASE_PAIRS = 3, PHASE_RESCAN = 4;

type Index = Int32Array | Float64Array;

/** Typed arrays of one run, over SharedArrayBuffers when worker threads share them. */
export interface RnnArrays {
  d: Float32Array;
  rowBase: Index;
  col: Index;
  /** Active slots, increasing (`params[P_COUNT]` of them). */
  act: Int32Array;
  nn: Int32Array;
  nnd: Float64Array;
  /** Merge index of a slot in the current round, −1 otherwise. */
  roundOf: Int32Array;
  keepers: Int32Array;
  retired: Int32Array;
  wKeep: Float64Array;
  wRetired: Float64Array;
  rowA: Index;
  rowB: Index;
  colA: Index;
  colB: Index;
  /** Best row entry (slots above) per slot, from the full pass. */
  rowD: Float64Array;
  rowJ: Int32Array;
  /** Per part: best column entry (slots below, from the part's rows) per slot. */
  colD: Float64Array;
  colJ: Int32Array;
  staleList: Int32Array;
  /** Scalars: count, batch, rule, phase, generation, parts done, workers ready, worker error. */
  params: Int32Array;
  /** Per part: [begin, end) of its rows (FULL, SWEEP), merges (SWEEP, PAIRS) or stale rows (RESCAN). */
  ranges: Int32Array;
}

/** One shared view of {@link RnnArrays}, for rebuilding it in a worker. */
export interface SharedView {
  buffer: SharedArrayBuffer;
  kind: "Int32Array" | "Float64Array" | "Float32Array";
  byteOffset: number;
  length: number;
}

/** The views of {@link RnnArrays}, for rebuilding them in a worker. */
export type RnnBuffers = { [K in keyof RnnArrays]: SharedView };

/**
 * Runs one part of one phase (the main thread runs part 0, workers the others).
 * @param s the run's arrays
 * @param phase which phase
 * @param part this part's index
 */
export function runPart(s: RnnArrays, phase: number, part: number): void {
  const begin = s.ranges[part * 4]!, end = s.ranges[part * 4 + 1]!;
  const begin2 = s.ranges[part * 4 + 2]!, end2 = s.ranges[part * 4 + 3]!;
  if (phase === PHASE_FULL) fullPart(s, part, begin, end);
  else if (phase === PHASE_SWEEP) sweepPart(s, begin, end, begin2, end2);
  else if (phase === PHASE_PAIRS) pairsPart(s, begin, end);
  else if (phase === PHASE_RESCAN) { for (let q = begin; q < end; q++) rescan(s, s.staleList[q]!); }
}

/** Rows `act[begin..end)`: their best entry to a larger slot, and per slot the best from these rows. */
function fullPart(s: RnnArrays, part: number, begin: number, end: number): void {
  const { d, rowBase, col, act, rowD, rowJ } = s;
  const count = s.params[P_COUNT]!;
  const n = s.act.length;
  const colD = s.colD.subarray(part * n, (part + 1) * n), colJ = s.colJ.subarray(part * n, (part + 1) * n);
  for (let p = begin; p < count; p++) {
    colD[act[p]!] = Infinity;
    colJ[act[p]!] = -1;
  }
  for (let p = begin; p < end; p++) {
    const i = act[p]!, b = rowBase[i]!;
    let best = Infinity, arg = -1;
    for (let q = p + 1; q < count; q++) {
      const j = act[q]!;
      const v = d[b + col[j]!]!;
      if (v < best) {
        best = v;
        arg = j;
      }
      // Rows arrive in increasing order: a strict < keeps the smallest slot among equal distances.
      if (v < colD[j]!) {
        colD[j] = v;
        colJ[j] = i;
      }
    }
    rowD[i] = best;
    rowJ[i] = arg;
  }
}

/** Updates of the round's merges against the other active clusters: merges [t0, t1) and rows [k0, k1). */
function sweepPart(s: RnnArrays, t0: number, t1: number, k0: number, k1: number): void {
  const { d, rowBase, col, act, roundOf, keepers, retired, wKeep, wRetired, rowA, rowB, colA, colB } = s;
  const count = s.params[P_COUNT]!, batch = s.params[P_BATCH]!, rule = s.params[P_RULE]!;
  // Rows k beyond both slots of a pair: rows a and b at column k, two contiguous streams.
  for (let t = t0; t < t1; t++) {
    const ra = rowA[t]!, rb = rowB[t]!;
    const wa = wKeep[t]!, wb = wRetired[t]!;
    for (let p = lowerBound(act, count, retired[t]! + 1); p < count; p++) {
      const k = act[p]!;
      if (roundOf[k]! >= 0) continue;
      const ck = col[k]!;
      const x = d[ra + ck]!, y = d[rb + ck]!;
      d[ra + ck] = rule === 2 ? wa * x + wb * y : rule === 0 ? (x < y ? x : y) : (x > y ? x : y);
    }
  }
  // Rows k before the retired slot, row by row: k < a (both entries in row k) and a < k < b (the result
  // in row a at column k — a cursor along row a — from row k's entry at column b). Keepers increase
  // (pairs are collected in slot order), so the pairs with a keeper beyond k are a suffix.
  let suffix = lowerBound(keepers, batch, act[k0] ?? 0);
  for (let p = k0; p < k1; p++) {
    const k = act[p]!;
    if (roundOf[k]! >= 0) continue;
    while (suffix < batch && keepers[suffix]! < k) suffix++;
    const bk = rowBase[k]!, ck = col[k]!;
    for (let t = 0; t < suffix; t++) {
      if (retired[t]! < k) continue;
      const ia = rowA[t]! + ck, ib = bk + colB[t]!;
      const x = d[ia]!, y = d[ib]!;
      d[ia] = rule === 2 ? wKeep[t]! * x + wRetired[t]! * y : rule === 0 ? (x < y ? x : y) : (x > y ? x : y);
    }
    for (let t = suffix; t < batch; t++) {
      const ia = bk + colA[t]!, ib = bk + colB[t]!;
      const x = d[ia]!, y = d[ib]!;
      d[ia] = rule === 2 ? wKeep[t]! * x + wRetired[t]! * y : rule === 0 ? (x < y ? x : y) : (x > y ? x : y);
    }
  }
}

/** Merged clusters with each other, pairs (t, u > t) for t in [t0, t1); the result goes to (a_t, a_u). */
function pairsPart(s: RnnArrays, t0: number, t1: number): void {
  const { d, rowBase, col, keepers, retired, wKeep, wRetired } = s;
  const batch = s.params[P_BATCH]!, rule = s.params[P_RULE]!;
  const at = (i: number, j: number): number => (i < j ? rowBase[i]! + col[j]! : rowBase[j]! + col[i]!);
  for (let t = t0; t < t1; t++) {
    const a = keepers[t]!, b = retired[t]!;
    const wa = wKeep[t]!, wb = wRetired[t]!;
    const ra = rowBase[a]!;
    for (let u = t + 1; u < batch; u++) {
      const c = keepers[u]!, e = retired[u]!;
      const iac = ra + col[c]!; // a < c: keepers increase
      const vac = d[iac]!, vae = d[ra + col[e]!]!, vbc = d[at(b, c)]!, vbe = d[at(b, e)]!;
      if (rule === 2) {
        const wc = wKeep[u]!, we = wRetired[u]!;
        d[iac] = wa * (wc * vac + we * vae) + wb * (wc * vbc + we * vbe);
      } else if (rule === 0) d[iac] = Math.min(vac, vae, vbc, vbe);
      else d[iac] = Math.max(vac, vae, vbc, vbe);
    }
  }
}

/** Nearest neighbour of one slot from its whole row (column half, then row half; lowest slot on ties). */
function rescan(s: RnnArrays, x: number): void {
  const { d, rowBase, col, act, nn, nnd } = s;
  const count = s.params[P_COUNT]!;
  const cx = col[x]!, bx = rowBase[x]!;
  let best = Infinity, arg = -1, p = 0;
  for (; p < count; p++) {
    const i = act[p]!;
    if (i >= x) break;
    const v = d[rowBase[i]! + cx]!;
    if (v < best) {
      best = v;
      arg = i;
    }
  }
  for (p++; p < count; p++) {
    const j = act[p]!;
    const v = d[bx + col[j]!]!;
    if (v < best) {
      best = v;
      arg = j;
    }
  }
  nn[x] = arg;
  nnd[x] = best;
}

/** Starts and drives the worker threads of a run (parts 1..parts−1); part 0 runs on the calling thread. */
class Crew {
  readonly #workers: Worker[] = [];
  readonly #params: Int32Array;
  #closed = false;
  private constructor(params: Int32Array) {
    this.#params = params;
  }

  /**
   * Starts `workers` threads and waits until they are ready; null (the run goes on one thread) when they
   * cannot load their module or are not ready in time (see `algorithms/_workers.ts`).
   */
  static start(buffers: RnnBuffers, params: Int32Array, workers: number): Crew | null {
    const messages = Array.from({ length: workers }, (_, w) => ({ buffers, part: w + 1 }));
    const started = startWorkers(new URL("./_rnn_worker.ts", import.meta.url), messages, params, P_READY);
    if (!started) return null;
    const crew = new Crew(params);
    crew.#workers.push(...started);
    return crew;
  }

  /** Runs `phase` on every part and returns when all are done. */
  run(s: RnnArrays, phase: number): void {
    const params = this.#params;
    Atomics.store(params, P_DONE, 0);
    Atomics.store(params, P_PHASE, phase);
    Atomics.add(params, P_GEN, 1);
    Atomics.notify(params, P_GEN);
    runPart(s, phase, 0);
    waitCount(params, P_DONE, this.#workers.length);
    if (Atomics.load(params, P_ERROR)) throw new Error("a worker thread of the batched HAC core failed");
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#params, P_PHASE, PHASE_EXIT);
    Atomics.add(this.#params, P_GEN, 1);
    Atomics.notify(this.#params, P_GEN);
    for (const w of this.#workers) w.terminate();
  }
}

/**
 * The loop a worker thread runs: wait for a new generation, run its part of the phase, report done.
 * @param s the shared arrays
 * @param part this worker's part
 */
export function workerLoop(s: RnnArrays, part: number): void {
  const params = s.params;
  Atomics.add(params, P_READY, 1);
  Atomics.notify(params, P_READY);
  let seen = 0;
  for (;;) {
    Atomics.wait(params, P_GEN, seen);
    seen = Atomics.load(params, P_GEN);
    const phase = Atomics.load(params, P_PHASE);
    if (phase === PHASE_EXIT) return;
    try {
      runPart(s, phase, part);
    } catch {
      // Reported to the waiting thread, which throws: a part left undone would corrupt the matrix.
      Atomics.store(params, P_ERROR, 1);
    }
    Atomics.add(params, P_DONE, 1);
    Atomics.notify(params, P_DONE);
  }
}

function sharedLike<T extends Int32Array | Float64Array | Float32Array>(
  ctor: { new (b: SharedArrayBuffer | ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
  shared: boolean,
): T {
  const bytes = Math.max(1, length) * ctor.BYTES_PER_ELEMENT;
  return new ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

function sharedCopy(a: Index, shared: boolean): Index {
  const out = a instanceof Int32Array
    ? sharedLike(Int32Array, a.length, shared)
    : sharedLike(Float64Array, a.length, shared);
  out.set(a);
  return out;
}

/** Splits a triangular workload (item i costs ≈ total − i) into `parts` ranges of equal cost. */
function triangularSplit(begin: number, end: number, parts: number, out: Int32Array, slot: number): void {
  const len = end - begin;
  for (let k = 0; k < parts; k++) {
    out[k * 4 + slot] = begin + Math.round(len * (1 - Math.sqrt(1 - k / parts)));
    out[k * 4 + slot + 1] = k === parts - 1 ? end : begin + Math.round(len * (1 - Math.sqrt(1 - (k + 1) / parts)));
  }
}

function evenSplit(begin: number, end: number, parts: number, out: Int32Array, slot: number): void {
  const len = end - begin;
  for (let k = 0; k < parts; k++) {
    out[k * 4 + slot] = begin + Math.floor((len * k) / parts);
    out[k * 4 + slot + 1] = begin + Math.floor((len * (k + 1)) / parts);
  }
}

/** Below this many active clusters a round is too short to share with threads (sync costs ≈ 50 µs). */
const PARALLEL_MIN_COUNT = 2048;

/**
 * Runs batched RNN HAC on a matrix in `layout` (modified in place).
 * @param d pair distances in `layout` (over a SharedArrayBuffer for `threads` > 1)
 * @param layout the matrix layout
 * @param rule the Lance–Williams rule
 * @param update the same rule as an NN-chain update (for rounds too small to pay, see {@link rounds})
 * @param threshold merge only pairs at or below it (Infinity: full dendrogram)
 * @param clock millisecond clock for per-merge timings
 * @param threads threads to use (1: this thread only; > 1 needs `d` over a SharedArrayBuffer)
 * @returns raw merges `[keptSlot, retiredSlot, height, 0]` (rows per round), instrumentation
 */
export function rnnBatchCore(
  d: Float32Array,
  layout: PairLayout,
  rule: LanceWilliamsRule,
  update: LanceWilliamsUpdate,
  threshold: number,
  clock: (() => number) | undefined,
  threads = 1,
): CoreResult {
  const n = layout.n;
  const parallel = threads > 1 && d.buffer instanceof SharedArrayBuffer && n >= PARALLEL_MIN_COUNT;
  const parts = parallel ? threads : 1;
  const I32 = (len: number) => sharedLike(Int32Array, len, parallel);
  const F64 = (len: number) => sharedLike(Float64Array, len, parallel);
  const idx = (len: number): Index => layout.rowBase instanceof Int32Array ? I32(len) : F64(len);
  const s: RnnArrays = {
    d,
    rowBase: sharedCopy(layout.rowBase, parallel),
    col: sharedCopy(layout.col, parallel),
    act: I32(n),
    nn: I32(n),
    nnd: F64(n),
    roundOf: I32(n),
    keepers: I32(n),
    retired: I32(n),
    wKeep: F64(n),
    wRetired: F64(n),
    rowA: idx(n),
    rowB: idx(n),
    colA: idx(n),
    colB: idx(n),
    rowD: F64(n),
    rowJ: I32(n),
    colD: F64(n * parts),
    colJ: I32(n * parts),
    staleList: I32(n),
    params: I32(16),
    ranges: I32(parts * 4),
  };
  const crew = parallel ? Crew.start(buffersOf(s), s.params, parts - 1) : null;
  try {
    return rounds(s, n, rule, threshold, clock, crew ? parts : 1, crew, (resume) => {
      // Chain-like data (single linkage especially) pairs up few clusters per round: the rest goes to the
      // NN-chain, whose cost per merge does not depend on how many pairs are reciprocal.
      crew?.close();
      return nnChainCore(d, layout, update, threshold, clock, resume);
    });
  } finally {
    crew?.close();
  }
}

function buffersOf(s: RnnArrays): RnnBuffers {
  const out: Record<string, SharedView> = {};
  for (const [k, v] of Object.entries(s) as [string, Int32Array | Float64Array | Float32Array][]) {
    const kind = v instanceof Int32Array ? "Int32Array" : v instanceof Float64Array ? "Float64Array" : "Float32Array";
    out[k] = { buffer: v.buffer as SharedArrayBuffer, kind, byteOffset: v.byteOffset, length: v.length };
  }
  return out as RnnBuffers;
}

/**
 * Rebuilds the arrays of a run from their shared views (in a worker).
 * @param buffers the views
 * @returns the arrays
 */
export function arraysFrom(buffers: RnnBuffers): RnnArrays {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(buffers) as [string, SharedView][]) {
    const ctor = (v.kind === "Int32Array" ? Int32Array : v.kind === "Float64Array" ? Float64Array : Float32Array) as {
      new (b: ArrayBufferLike, offset: number, length: number): unknown;
    };
    out[k] = new ctor(v.buffer, v.byteOffset, v.length);
  }
  return out as unknown as RnnArrays;
}

/**
 * A round pays off while it merges more than about one cluster in {@link MIN_BATCH_SHARE}: its full pass
 * (≈ 1.3 ns × count²/2) is then cheaper per merge than an NN-chain step (≈ 4 row reads × count × ≈ 10 ns).
 */
const MIN_BATCH_SHARE = 48;

function rounds(
  s: RnnArrays,
  n: number,
  rule: LanceWilliamsRule,
  threshold: number,
  clock: (() => number) | undefined,
  parts: number,
  crew: Crew | null,
  finish: (resume: ChainResume) => CoreResult,
): CoreResult {
  const { act, nn, nnd, roundOf, keepers, retired, wKeep, wRetired, rowA, rowB, colA, colB, params, ranges } = s;
  const { rowBase, col } = s;
  for (let i = 0; i < n; i++) act[i] = i;
  roundOf.fill(-1);
  let count = n;
  params[P_RULE] = rule;
  const size = new Float64Array(n).fill(1);
  const heights = new Float64Array(n);
  const order = new Int32Array(n);
  const rec = new MergeRecorder(n, clock);
  let readsNow = 0;
  // Rounds with few clusters stay on this thread: their work is shorter than a handshake.
  const useParts = (): number => (crew && count >= PARALLEL_MIN_COUNT ? parts : 1);
  const run = (phase: number): void => {
    if (useParts() > 1) crew!.run(s, phase);
    else runPart(s, phase, 0);
  };

  const fullPass = (): void => {
    params[P_COUNT] = count;
    const k = useParts();
    triangularSplit(0, count, k, ranges, 0);
    run(PHASE_FULL);
    // Per slot: column candidates from earlier parts hold smaller slots, so they win ties, then the row.
    // Part q only has candidates for slots after its first row.
    for (let p = 0; p < count; p++) {
      const i = act[p]!;
      let best = Infinity, arg = -1;
      for (let q = 0; q < k && p > ranges[q * 4]!; q++) {
        const v = s.colD[q * n + i]!;
        if (v < best) {
          best = v;
          arg = s.colJ[q * n + i]!;
        }
      }
      if (s.rowD[i]! < best) {
        best = s.rowD[i]!;
        arg = s.rowJ[i]!;
      }
      nn[i] = arg;
      nnd[i] = best;
    }
    readsNow += (count * (count - 1)) / 2;
  };

  fullPass();
  while (count > 1) {
    // Every reciprocal pair at or below the threshold merges this round, keeping its smaller slot.
    let batch = 0;
    for (let p = 0; p < count; p++) {
      const i = act[p]!, j = nn[i]!;
      if (j > i && nn[j] === i && nnd[i]! <= threshold) {
        keepers[batch] = i;
        retired[batch] = j;
        heights[batch] = nnd[i]!;
        batch++;
      }
    }
    if (batch === 0) break;
    if (batch * MIN_BATCH_SHARE < count && count > 512) return finish({ act, count, size, rec });
    for (let t = 0; t < batch; t++) {
      const a = keepers[t]!, b = retired[t]!;
      roundOf[a] = roundOf[b] = t;
      const sa = size[a]!, sb = size[b]!;
      wKeep[t] = sa / (sa + sb);
      wRetired[t] = sb / (sa + sb);
      rowA[t] = rowBase[a]!;
      rowB[t] = rowBase[b]!;
      colA[t] = col[a]!;
      colB[t] = col[b]!;
    }
    params[P_COUNT] = count;
    params[P_BATCH] = batch;
    const k = useParts();
    evenSplit(0, batch, k, ranges, 0);
    evenSplit(0, count, k, ranges, 2);
    run(PHASE_SWEEP);
    triangularSplit(0, batch, k, ranges, 0);
    run(PHASE_PAIRS);
    readsNow += 2 * batch * (count - 2 * batch) + 2 * batch * (batch - 1);
    // Rows out in height order (ties: keeper slot), then the bookkeeping.
    for (let t = 0; t < batch; t++) order[t] = t;
    const ord = order.subarray(0, batch).sort((x, y) => heights[x]! - heights[y]! || x - y);
    rec.addBatch(keepers, retired, heights, ord, readsNow);
    readsNow = 0;
    for (let t = 0; t < batch; t++) {
      const a = keepers[t]!, b = retired[t]!;
      size[a] = size[a]! + size[b]!;
      size[b] = 0;
      roundOf[b] = -2; // retired: filtered out of the active list below
    }
    let w = 0, stale = 0;
    for (let p = 0; p < count; p++) {
      const x = act[p]!;
      const r = roundOf[x]!;
      if (r === -2) continue;
      act[w++] = x;
      // Stale: a keeper (its row changed) or a cluster whose neighbour merged.
      const j = nn[x]!;
      if (r >= 0 || (j >= 0 && roundOf[j]! !== -1)) s.staleList[stale++] = x;
    }
    for (let t = 0; t < batch; t++) roundOf[keepers[t]!] = roundOf[retired[t]!] = -1;
    count = w;
    // A pass over the whole matrix reads ≈ 1.3 ns per entry, a row rescan ≈ 8 ns per entry (half of it
    // column reads): rescan only while the stale rows are few.
    if (stale * 16 > count) fullPass();
    else {
      params[P_COUNT] = count;
      evenSplit(0, stale, useParts(), ranges, 0);
      run(PHASE_RESCAN);
      readsNow += stale * (count - 1);
    }
  }
  return rec.result(true);
}
