/**
 * The latency gate's targets, measured end to end (sweep in child processes → paired timings → gate) on a
 * small synthetic CPU workload (`spin`, tests/benchmarks/_plugin_spin.ts):
 * - unchanged code passes 20 of 20 gate runs under a background load of 2 busy processes;
 * - a 1.5× slowed build fails 20 of 20 under the same load;
 * - a 1.2× slowed build fails at least 15 of 20 without the artificial load.
 * The test starts and stops the load itself. `PB_GATE_RUNS=N` changes the 20 (e.g. for a quick local look).
 * @module
 */
import { join } from "node:path";
import { assert } from "../_assert.ts";
import { REPO_ROOT, tempDir } from "../_shared.ts";
import { type Baseline, buildBaseline, type GateReport, runGate } from "../../benchmarks/gate/gate.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";

const RUNS = Number(Deno.env.get("PB_GATE_RUNS") ?? 20);
const CACHE = join(REPO_ROOT, ".cache");
const SPIN = join(REPO_ROOT, "tests/benchmarks/_plugin_spin.ts");

/** The spec of one gate run: the spin workload (~20 ms) paired with a reference of similar cost. */
function spec(plugin: string): object {
  return {
    name: "gate-load",
    plugins: [plugin],
    defaults: { repeats: 1, warmups: 1, seeds: [1], timeout_s: 300 },
    metrics: { bootstrap: 0, fairness: false },
    timing: {
      reference: { n: 400, dim: 128, rounds: 1 },
      min_pairs: 16,
      max_pairs: 60,
      target_ci: 0.01,
      budget_s: 1.5,
    },
    datasets: { d: { preset: "tiny", seed: 1, generator: { observations: 60 } } },
    experiments: [{ name: "spin", datasets: ["d"], stages: { cluster: { variant: "spin", params: { work: 12000 } } } }],
  };
}

/** Background load: `count` busy shell loops, stopped by the returned function (by their own pids). */
function startLoad(count: number): () => Promise<void> {
  const children = Array.from(
    { length: count },
    () =>
      new Deno.Command("bash", { args: ["-c", "while :; do :; done"], stdout: "null", stderr: "null", stdin: "null" })
        .spawn(),
  );
  return async () => {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await Promise.all(children.map((c) => c.status));
  };
}

let root: string | null = null;
let counter = 0;

/** One sweep of the spin spec, its runs slowed down by `slowdown` (same configuration id). */
async function sweep(slowdown: number): Promise<ResultRecord[]> {
  if (!root) {
    root = await tempDir();
    await Deno.writeTextFile(join(root, "spec.json"), JSON.stringify(spec(SPIN)));
  }
  Deno.env.set("PB_SPIN_SLOWDOWN", String(slowdown));
  try {
    const out = join(root, `run${counter++}`);
    const r = await runSweep(join(root, "spec.json"), { out, progress: false, cacheDir: CACHE });
    for (const rec of r.records) assert(rec.status === "ok", `${rec.status}: ${rec.error}`);
    return r.records;
  } finally {
    Deno.env.delete("PB_SPIN_SLOWDOWN");
  }
}

let baseline: Promise<Baseline> | null = null;

/** The baseline: 4 sweeps of unchanged code, 2 of them under load, pooled; their A/A spread sets the band. */
function getBaseline(): Promise<Baseline> {
  return baseline ??= (async () => {
    const sweeps: ResultRecord[][] = [];
    for (let k = 0; k < 4; k++) {
      const stop = k % 2 ? startLoad(2) : null;
      try {
        sweeps.push(await sweep(1));
      } finally {
        await stop?.();
      }
    }
    return buildBaseline(...sweeps);
  })();
}

/** Runs the gate `RUNS` times on a build with the given slowdown; returns the reports. */
async function gateRuns(slowdown: number, load: boolean): Promise<{ reports: GateReport[]; seconds: number }> {
  const base = await getBaseline();
  const stop = load ? startLoad(2) : null;
  const t0 = performance.now();
  const reports: GateReport[] = [];
  try {
    for (let i = 0; i < RUNS; i++) reports.push(runGate(base, await sweep(slowdown)));
  } finally {
    await stop?.();
  }
  return { reports, seconds: (performance.now() - t0) / 1000 };
}

function describe(label: string, r: { reports: GateReport[]; seconds: number }): string {
  const rows = r.reports.map((x) => x.rows.find((row) => row.kind === "latency")!);
  const changes = rows.map((row) => row.change!.toFixed(3)).join(" ");
  const failed = r.reports.filter((x) => !x.passed).length;
  const limit = rows[0]?.limit?.toFixed(3);
  const pairs = rows.map((row) => row.pairs).join(" ");
  return `${label}: ${failed}/${r.reports.length} failed in ${r.seconds.toFixed(0)} s (limit ×${limit}); ` +
    `changes ${changes}; pairs ${pairs}`;
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: `gate under a load of 2 busy processes: unchanged code passes ${RUNS} of ${RUNS} runs`,
  ...opts,
  async fn() {
    const r = await gateRuns(1, true);
    console.log(describe("unchanged, loaded", r));
    assert(r.reports.every((x) => x.passed), describe("unchanged, loaded", r));
  },
});

Deno.test({
  name: `gate under a load of 2 busy processes: a 1.5× slowed build fails ${RUNS} of ${RUNS} runs`,
  ...opts,
  async fn() {
    const r = await gateRuns(1.5, true);
    console.log(describe("1.5× slower, loaded", r));
    assert(r.reports.every((x) => !x.passed), describe("1.5× slower, loaded", r));
    assert(r.reports.every((x) => x.rows.some((row) => row.kind === "latency" && row.verdict === "regression")));
  },
});

Deno.test({
  name: `gate without load: a 1.2× slowed build fails at least 75% of ${RUNS} runs`,
  ...opts,
  async fn() {
    try {
      const r = await gateRuns(1.2, false);
      console.log(describe("1.2× slower, no load", r));
      assert(r.reports.filter((x) => !x.passed).length >= Math.ceil(0.75 * RUNS), describe("1.2× slower", r));
    } finally {
      if (root) await Deno.remove(root, { recursive: true });
    }
  },
});
