/// <reference lib="deno.worker" />
/**
 * Worker thread of the batched RNN core: rebuilds the shared arrays and runs its part of every phase
 * until told to exit (see `_rnn_batch.ts`).
 * @module
 */
import { arraysFrom, type RnnBuffers, workerLoop } from "./_rnn_batch.ts";

self.onmessage = (e: MessageEvent<{ buffers: RnnBuffers; part: number }>) => {
  workerLoop(arraysFrom(e.data.buffers), e.data.part);
  self.close();
};
