/// <reference lib="deno.worker" />
/**
 * Worker thread of the parallel distance build: computes its share of block rows, then exits
 * (see `_parallel.ts`).
 * @module
 */
import { type DistanceJob, runDistanceJob } from "./_parallel.ts";

self.onmessage = (e: MessageEvent<DistanceJob>) => {
  const edges = runDistanceJob(e.data);
  if (edges && "i" in edges) {
    self.postMessage(edges, { transfer: [edges.i.buffer, edges.j.buffer, edges.d.buffer] as ArrayBuffer[] });
  } else if (edges) self.postMessage(edges);
  self.close();
};
