/**
 * The distance matrix built by several threads: worker threads and the calling thread each take
 * interleaved block rows with their own WebAssembly kernel, writing into one shared matrix.
 * @module
 */
import { startWorkers, waitCount } from "../_workers.ts";
import type { PairLayout } from "./layout.ts";
import { defaultGemm, distanceBlockRows } from "./cosine.ts";

/** Slots of the shared counters. */
export const C_READY = 0, C_DONE = 1, C_ERROR = 2;

/** What a distance worker receives. */
export interface DistanceJob {
  vectors: SharedArrayBuffer;
  dim: number;
  rowBase: SharedArrayBuffer;
  col: SharedArrayBuffer;
  indexKind: "Int32Array" | "Float64Array";
  out: SharedArrayBuffer;
  outOffset: number;
  outLength: number;
  blockRows: number;
  part: number;
  parts: number;
  counters: SharedArrayBuffer;
}

function share(a: Int32Array | Float64Array | Float32Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(Math.max(1, a.byteLength));
  new Uint8Array(buf).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return buf;
}

/**
 * Fills `out` (over a SharedArrayBuffer) with `threads` threads.
 * @returns false, with nothing written, when the workers cannot start (the caller then runs alone)
 */
export function parallelDistances(
  vectors: Float32Array,
  dim: number,
  layout: PairLayout,
  out: Float32Array,
  blockRows: number,
  threads: number,
): boolean {
  const counters = new Int32Array(new SharedArrayBuffer(16));
  const base = {
    vectors: share(vectors),
    dim,
    rowBase: share(layout.rowBase),
    col: share(layout.col),
    indexKind: layout.rowBase instanceof Int32Array ? "Int32Array" as const : "Float64Array" as const,
    out: out.buffer as SharedArrayBuffer,
    outOffset: out.byteOffset,
    outLength: out.length,
    blockRows,
    parts: threads,
    counters: counters.buffer as SharedArrayBuffer,
  };
  const jobs: DistanceJob[] = Array.from({ length: threads - 1 }, (_, w) => ({ ...base, part: w + 1 }));
  const workers = startWorkers(new URL("./_distance_worker.ts", import.meta.url), jobs, counters, C_READY);
  if (!workers) return false;
  try {
    distanceBlockRows(vectors, dim, layout, out, defaultGemm(), blockRows, 0, threads);
    waitCount(counters, C_DONE, workers.length);
  } finally {
    for (const w of workers) w.terminate();
  }
  if (Atomics.load(counters, C_ERROR)) throw new Error("a distance worker thread failed");
  return true;
}

/**
 * Runs one worker's share (called from the worker module).
 * @param job what the worker received
 */
export function runDistanceJob(job: DistanceJob): void {
  const counters = new Int32Array(job.counters);
  Atomics.add(counters, C_READY, 1);
  Atomics.notify(counters, C_READY);
  try {
    const Index = job.indexKind === "Int32Array" ? Int32Array : Float64Array;
    const layout = {
      rowBase: new Index(job.rowBase as unknown as ArrayBuffer),
      col: new Index(job.col as unknown as ArrayBuffer),
    };
    const vectors = new Float32Array(job.vectors as unknown as ArrayBuffer);
    const out = new Float32Array(job.out as unknown as ArrayBuffer, job.outOffset, job.outLength);
    distanceBlockRows(vectors, job.dim, layout, out, defaultGemm(), job.blockRows, job.part, job.parts);
  } catch {
    Atomics.store(counters, C_ERROR, 1);
  }
  Atomics.add(counters, C_DONE, 1);
  Atomics.notify(counters, C_DONE);
}
