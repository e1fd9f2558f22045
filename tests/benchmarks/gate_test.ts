import { assert, assertEquals } from "../_assert.ts";
import { buildBaseline, runGate, toBmf } from "../../benchmarks/gate/gate.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { mannWhitneyGreater } from "../../benchmarks/stats/mann_whitney.ts";
import { sampleRecord } from "./_fixtures.ts";

/** A sweep: reference runs with the given wall times, and one config with metric f1 and wall times. */
function sweep(ref: number[], walls: number[], f1 = 0.9): ResultRecord[] {
  const refs = ref.map((w, i) =>
    sampleRecord({
      run_id: `ref${i}${w}`,
      config_id: "ref",
      repeat: i,
      variant: { label: "reference", stages: { reference: { variant: "reference", params: {} } } },
      metrics: {},
      metric_directions: {},
      timings: { wall_s: w, cpu_s: w, peak_rss_mb: 1, samples: {} },
    })
  );
  const runs = walls.map((w, i) =>
    sampleRecord({
      run_id: `c${i}${w}${f1}`,
      config_id: "cfg",
      repeat: i,
      metrics: { "bcubed.f1": f1, clusters: 10 },
      metric_directions: { "bcubed.f1": "higher", clusters: "none" },
      timings: { wall_s: w, cpu_s: w, peak_rss_mb: 1, samples: {} },
    })
  );
  return [...refs, ...runs];
}

const BASE = buildBaseline(sweep([1, 1.02, 0.98, 1.01, 0.99], [2, 2.05, 1.95, 2.02, 1.98]));

Deno.test("gate passes an unchanged sweep", () => {
  const r = runGate(BASE, sweep([1, 1.01, 0.99, 1.02, 0.98], [2.01, 1.99, 2.03, 1.97, 2]));
  assert(r.passed);
  assertEquals(r.latencyMode, "reference-ratio");
});

Deno.test("gate fails an accuracy drop beyond the tolerance, not within it", () => {
  const drop = runGate(BASE, sweep([1, 1, 1, 1, 1], [2, 2, 2, 2, 2], 0.88));
  assert(!drop.passed);
  const row = drop.rows.find((r) => r.verdict === "regression")!;
  assertEquals([row.kind, row.metric], ["accuracy", "bcubed.f1"]);
  assert(runGate(BASE, sweep([1, 1, 1, 1, 1], [2, 2, 2, 2, 2], 0.897)).passed);
  assert(!runGate(BASE, sweep([1, 1, 1, 1, 1], [2, 2, 2, 2, 2], 0.897), { accuracy: { default: 0.001 } }).passed);
});

Deno.test("gate fails a significant slow-down relative to the reference", () => {
  const r = runGate(BASE, sweep([1, 1.01, 0.99, 1.02, 0.98], [3, 3.1, 2.9, 3.05, 2.95]));
  assert(!r.passed);
  const row = r.rows.find((x) => x.kind === "latency")!;
  assertEquals(row.verdict, "regression");
  assert(row.p! < 0.05 && row.change! > 1.4);
});

Deno.test("a machine that is slower overall cancels out through the reference ratio", () => {
  // Everything 2× slower, including the reference: not a regression.
  assert(runGate(BASE, sweep([2, 2.02, 1.98, 2.01, 1.99], [4, 4.1, 3.9, 4.04, 3.96])).passed);
});

Deno.test("noise-only changes pass: within the band, or beyond it but not significant", () => {
  // 10% slower, clearly separated: inside the 25% band.
  assert(runGate(BASE, sweep([1, 1, 1, 1, 1], [2.2, 2.21, 2.19, 2.22, 2.18])).passed);
  // Median 40% slower but the samples overlap the baseline's (one noisy outlier pattern): not significant.
  const noisy = runGate(BASE, sweep([1, 1, 1, 1, 1], [1.9, 2.8, 2.0, 2.9, 2.8]));
  assert(noisy.passed, JSON.stringify(noisy.rows.filter((r) => r.kind === "latency")));
  assert(noisy.rows.find((r) => r.kind === "latency")!.note.includes("not significant"));
});

Deno.test("a failed or missing baseline configuration is a regression (missing: a warning when allowed)", () => {
  const failed = sweep([1, 1, 1, 1, 1], []).concat(
    sampleRecord({ config_id: "cfg", status: "failed", error: "boom", metrics: {}, metric_directions: {} }),
  );
  const r = runGate(BASE, failed);
  assert(!r.passed);
  assert(r.rows.some((x) => x.kind === "status" && x.note.includes("boom")));
  const missing = runGate(BASE, sweep([1, 1, 1, 1, 1], []));
  assert(!missing.passed);
  const allowed = runGate(BASE, sweep([1, 1, 1, 1, 1], []), { allow_missing: true });
  assert(allowed.passed);
  assertEquals(allowed.warnings, 1);
});

Deno.test("Mann–Whitney U matches exact small-sample values", () => {
  assertEquals(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).p, 1 / 20);
  assertEquals(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).p, 1);
  // U = 7 of 9 for x = [2, 5, 6], y = [1, 3, 4]; U frequencies 1,1,2,3,3,3,3,2,1,1 over 20: P(U ≥ 7) = 4 / 20.
  const r = mannWhitneyGreater([2, 5, 6], [1, 3, 4]);
  assertEquals(r.u, 7);
  assert(Math.abs(r.p - 0.2) < 1e-12);
});

Deno.test("BMF output has a latency measure and gated metrics per configuration", () => {
  const bmf = toBmf(sweep([1, 1, 1], [2, 3, 4]));
  const entry = Object.values(bmf).find((e) => "bcubed.f1" in e)!;
  assertEquals(entry.latency, { value: 3, lower_value: 2, upper_value: 4 });
  assert(!("clusters" in entry));
});
