/**
 * Worker start-up of the threaded algorithms (`algorithms/_workers.ts`): a worker module that loads gets its
 * message, one that cannot load (missing file, no read permission) makes the run go on alone at once — without a
 * host API call and without waiting for the start timeout.
 */
import { assert, assertEquals } from "../_assert.ts";
import { START_TIMEOUT_MS, startWorkers } from "../../algorithms/_workers.ts";

async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pb-workers-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("startWorkers: each worker module gets its own message and reports ready", async () => {
  await withTempDir(async (dir) => {
    const file = `${dir}/echo_worker.ts`;
    await Deno.writeTextFile(
      file,
      `self.onmessage = (e: MessageEvent<{ ready: Int32Array; value: number }>) => {
        Atomics.add(e.data.ready, 1, e.data.value);
        Atomics.add(e.data.ready, 0, 1);
        Atomics.notify(e.data.ready, 0);
      };`,
    );
    const ready = new Int32Array(new SharedArrayBuffer(8));
    const workers = startWorkers(new URL(`file://${file}`), [{ ready, value: 3 }, { ready, value: 4 }], ready, 0);
    assert(workers !== null, "both workers start");
    for (const w of workers) w.terminate();
    assertEquals(Atomics.load(ready, 0), 2);
    assertEquals(Atomics.load(ready, 1), 7, "each worker received its message");
  });
});

Deno.test("startWorkers: a module that cannot load gives null at once, not after the start timeout", async () => {
  await withTempDir((dir) => {
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const t0 = performance.now();
    const workers = startWorkers(new URL(`file://${dir}/missing_worker.ts`), [{}, {}], ready, 0);
    const ms = performance.now() - t0;
    assertEquals(workers, null);
    assert(ms < START_TIMEOUT_MS / 2, `gave up after ${ms.toFixed(0)} ms`);
  });
});

Deno.test("without read permission, threaded distances and HAC run on one thread with the same result", async () => {
  const root = new URL("../../", import.meta.url);
  await withTempDir(async (dir) => {
    const script = `${dir}/restricted.ts`;
    await Deno.writeTextFile(
      script,
      `import { hac } from "${new URL("algorithms/hac/mod.ts", root).href}";
      import { Rng } from "${new URL("algorithms/random/rng.ts", root).href}";
      // 2,100 rows: above the sizes from which distances and merges use workers.
      const n = 2100, dim = 8, rng = new Rng(5), v = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < dim; k++) (v[i * dim + k] = rng.normal(), s += v[i * dim + k] ** 2);
        for (let k = 0; k < dim; k++) v[i * dim + k] /= Math.sqrt(s);
      }
      const t0 = performance.now();
      const two = hac(v, dim, { linkage: "average", threads: 2 });
      const ms = performance.now() - t0;
      const one = hac(v, dim, { linkage: "average", threads: 1 });
      const same = two.merges.every((x, i) => x === one.merges[i]) && two.merges.length === one.merges.length;
      console.log(JSON.stringify({ same, ms }));`,
    );
    // Only the temporary folder may be read: the workers' modules under algorithms/ may not.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-read=${dir}`, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert(out.success, stderr);
    assert(!stderr.includes("Uncaught"), stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assert(r.same, "same dendrogram as one thread");
    assert(r.ms < START_TIMEOUT_MS / 2, `threaded run took ${r.ms} ms (waited for workers that could not load?)`);
  });
});
