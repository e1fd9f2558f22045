/**
 * Helpers for the algorithms that split work over worker threads (batched HAC rounds, distance blocks):
 * starting workers with a bounded wait for them to be ready. The calling thread blocks in `Atomics.wait`, so it
 * could never see a worker's load error event: each worker is started from a tiny loader that imports the
 * worker module itself and reports a failed import (no read permission, a missing or broken file) through
 * shared memory, so that a run falls back to one thread at once instead of hanging. No host API is asked.
 * @module
 */

/** How long a run waits for its workers to start before it goes on alone (module load ≈ 50–200 ms). */
export const START_TIMEOUT_MS = 10_000;

/** What the loader receives: the worker module, the message meant for it, and where to report a failed load. */
interface LoaderMessage {
  url: string;
  message: unknown;
  failed: Int32Array;
  ready: Int32Array;
  slot: number;
}

/**
 * The loader, as a module of its own (a `data:` URL: nothing to read from disk). It imports the worker module,
 * which installs its message handler, then hands that handler the first message; a failed import is counted
 * in `failed[0]` and the starting thread woken.
 */
const LOADER_SOURCE = `self.onmessage = async (e) => {
  const { url, message, failed, ready, slot } = e.data;
  self.onmessage = null;
  try {
    await import(url);
  } catch {
    Atomics.add(failed, 0, 1);
    Atomics.notify(ready, slot);
    self.close();
    return;
  }
  self.onmessage?.(new MessageEvent("message", { data: message }));
};`;
const LOADER_URL = `data:text/javascript,${encodeURIComponent(LOADER_SOURCE)}`;

/**
 * Starts `count` module workers, posts each its message, and waits until `ready[slot]` counts them all.
 * @param url worker module (it sets `self.onmessage` when loaded, and adds to `ready[slot]` once started)
 * @param messages one message per worker
 * @param ready shared counter the workers increment (and notify) once started
 * @param slot index of the counter in `ready`
 * @returns the workers, or null (none left running) when one cannot load its module or they are not ready in
 *   time
 */
export function startWorkers(url: URL, messages: unknown[], ready: Int32Array, slot: number): Worker[] | null {
  const failed = new Int32Array(new SharedArrayBuffer(4));
  const workers = messages.map((message) => {
    const w = new Worker(LOADER_URL, { type: "module" });
    w.postMessage({ url: url.href, message, failed, ready, slot } satisfies LoaderMessage);
    return w;
  });
  // Waits in 100 ms slices (no clock in algorithms/): a notify means a worker started or failed, a timeout
  // uses a slice.
  let slices = Math.ceil(START_TIMEOUT_MS / 100);
  for (;;) {
    if (Atomics.load(failed, 0) > 0) break;
    const n = Atomics.load(ready, slot);
    if (n >= workers.length) return workers;
    if (slices <= 0) break;
    if (Atomics.wait(ready, slot, n, 100) === "timed-out") slices--;
  }
  for (const w of workers) w.terminate();
  return null;
}

/**
 * Blocks until `counter[slot]` reaches `target` (workers add to it and notify when done).
 * @param counter shared counters
 * @param slot index of the counter
 * @param target value to wait for
 */
export function waitCount(counter: Int32Array, slot: number, target: number): void {
  for (;;) {
    const n = Atomics.load(counter, slot);
    if (n >= target) return;
    Atomics.wait(counter, slot, n);
  }
}
