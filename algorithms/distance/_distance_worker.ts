/// <reference lib="deno.worker" />
/**
 * Worker thread of the parallel distance build: computes its share of block rows, then exits
 * (see `_parallel.ts`).
 * @module
 */
import { type DistanceJob, runDistanceJob } from "./_parallel.ts";

self.onmessage = (e: MessageEvent<DistanceJob>) => {
  runDistanceJob(e.data);
  self.close();
};
