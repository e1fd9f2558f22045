/**
 * The distance matrix built by several threads: worker threads and the calling thread each take
 * interleaved block rows with their own WebAssembly kernel, writing into one shared matrix.
 * @module
 */
import { startWorkers, waitCount } from "../_workers.ts";
import type { PairLayout } from "./layout.ts";
import { defaultGemm, distanceBlockRows, edgeBlockRows, type ThresholdEdges } from "./blocks.ts";

/** Slots of the shared counters. */
export const C_READY = 0, C_DONE = 1, C_ERROR = 2;

/** What a distance worker receives: a matrix share, or (`threshold` set) a threshold-graph share. */
export interface DistanceJob {
  threshold?: number;
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
 * The threshold graph ({@link thresholdEdges} with the default kernel) on `threads` threads: workers take
 * interleaved block rows and send their edges back; the calling thread does its share meanwhile.
 * Same edges as one thread, in another order (the components do not depend on it).
 * @param vectors row-major n × dim, unit rows
 * @param dim row length
 * @param threshold keep pairs with distance ≤ threshold
 * @param options `threads` [2], `blockRows` [512]
 * @returns the edges
 */
export async function thresholdEdgesParallel(
  vectors: Float32Array,
  dim: number,
  threshold: number,
  options: { threads?: number; blockRows?: number } = {},
): Promise<ThresholdEdges> {
  const threads = Math.max(1, Math.floor(options.threads ?? 2)), bs = options.blockRows ?? 512;
  const n = dim === 0 ? 0 : vectors.length / dim;
  const counters = new Int32Array(new SharedArrayBuffer(16));
  const jobs: DistanceJob[] = n > bs && threads > 1
    ? Array.from({ length: threads - 1 }, (_, w) => ({
      threshold,
      vectors: share(vectors),
      dim,
      rowBase: new SharedArrayBuffer(4),
      col: new SharedArrayBuffer(4),
      indexKind: "Int32Array" as const,
      out: new SharedArrayBuffer(4),
      outOffset: 0,
      outLength: 0,
      blockRows: bs,
      part: w + 1,
      parts: threads,
      counters: counters.buffer as SharedArrayBuffer,
    }))
    : [];
  const workers = jobs.length
    ? startWorkers(new URL("./_distance_worker.ts", import.meta.url), jobs, counters, C_READY)
    : null;
  if (!workers) return edgeBlockRows(vectors, dim, threshold, defaultGemm(), bs, 0, 1);
  try {
    const results = workers.map((w) =>
      new Promise<ThresholdEdges>((resolve, reject) => {
        w.onmessage = (e: MessageEvent<ThresholdEdges | { error: string }>) =>
          "error" in e.data ? reject(new Error(`a distance worker thread failed: ${e.data.error}`)) : resolve(e.data);
        w.onerror = (e) => {
          e.preventDefault();
          reject(new Error(`a distance worker thread failed: ${e.message}`));
        };
      })
    );
    const parts = [
      edgeBlockRows(vectors, dim, threshold, defaultGemm(), bs, 0, threads),
      ...await Promise.all(results),
    ];
    const m = parts.reduce((s, p) => s + p.i.length, 0);
    const out: ThresholdEdges = { i: new Int32Array(m), j: new Int32Array(m), d: new Float32Array(m) };
    let k = 0;
    for (const p of parts) {
      out.i.set(p.i, k);
      out.j.set(p.j, k);
      out.d.set(p.d, k);
      k += p.i.length;
    }
    return out;
  } finally {
    for (const w of workers) w.terminate();
  }
}

/**
 * Runs one worker's share (called from the worker module); a threshold-graph share is returned to post.
 * @param job what the worker received
 * @returns the edges of a threshold-graph job, else null
 */
export function runDistanceJob(job: DistanceJob): ThresholdEdges | { error: string } | null {
  const counters = new Int32Array(job.counters);
  Atomics.add(counters, C_READY, 1);
  Atomics.notify(counters, C_READY);
  if (job.threshold !== undefined) {
    try {
      const vectors = new Float32Array(job.vectors as unknown as ArrayBuffer);
      return edgeBlockRows(vectors, job.dim, job.threshold, defaultGemm(), job.blockRows, job.part, job.parts);
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  }
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
  return null;
}
