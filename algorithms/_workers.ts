/**
 * Helpers for the algorithms that split work over worker threads (batched HAC rounds, distance blocks):
 * whether a worker can load its module, and starting workers with a bounded wait for them to be ready.
 * The calling thread blocks in `Atomics.wait`, so it could never see a worker's load error: both checks
 * exist so that a run falls back to one thread instead of hanging.
 * @module
 */

/** How long a run waits for its workers to start before it goes on alone (module load ≈ 50–200 ms). */
export const START_TIMEOUT_MS = 10_000;

/**
 * Whether a worker may load `url`: Deno needs read access to local module files (checked for the
 * module's folder's parent, which holds what the workers import).
 * @param url the worker module
 * @returns false when the module is local and read access is not granted
 */
export function canLoadWorker(url: URL): boolean {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (url.protocol !== "file:" || !deno?.permissions?.querySync) return true;
  return deno.permissions.querySync({ name: "read", path: new URL("../", url) }).state === "granted";
}

/**
 * Starts `count` module workers, posts each its message, and waits until `ready[slot]` counts them all.
 * @param url worker module
 * @param messages one message per worker
 * @param ready shared counter the workers increment (and notify) once started
 * @param slot index of the counter in `ready`
 * @returns the workers, or null (none left running) when they cannot load or are not ready in time
 */
export function startWorkers(url: URL, messages: unknown[], ready: Int32Array, slot: number): Worker[] | null {
  if (!canLoadWorker(url)) return null;
  const workers = messages.map((m) => {
    const w = new Worker(url.href, { type: "module" });
    w.postMessage(m);
    return w;
  });
  // Waits in 100 ms slices (no clock in algorithms/): a notify means a worker started, a timeout uses a slice.
  let slices = Math.ceil(START_TIMEOUT_MS / 100);
  for (;;) {
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
