import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  buildBaseline,
  decideLatency,
  DEFAULT_RULES,
  formatGateReport,
  runGate,
  toBmf,
  validateBaseline,
} from "../../benchmarks/gate/gate.ts";
import type { PairedTimings, ResultRecord } from "../../benchmarks/results/schema.ts";
import { mannWhitneyGreater } from "../../benchmarks/stats/mann_whitney.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import { sampleRecord } from "./_fixtures.ts";

/** Paired timings whose per-pair CPU ratios are `ratios` (wall ratios 10% higher), reference 1 s. */
function paired(ratios: number[]): PairedTimings {
  return {
    reference: { n: 600, dim: 128, rounds: 1 },
    measure: "cpu",
    wall_s: ratios.map((r) => r * 1.1),
    cpu_s: ratios,
    ref_wall_s: [1, ...ratios.map(() => 1)],
    ref_cpu_s: [1, ...ratios.map(() => 1)],
    ratio_wall: ratios.map((r) => r * 1.1),
    ratio_cpu: ratios,
    stopped: "max_pairs",
  };
}

/** Ratios around `center` with seeded multiplicative noise of ±spread. */
function noisy(center: number, n: number, spread: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => center * Math.exp(spread * (2 * rng.float() - 1)));
}

/** One sweep: a config with metric f1 whose runs carry the given per-pair ratios, on `host` (and shard). */
function sweep(
  runs: number[][],
  f1 = 0.9,
  host = "h",
  shard: { index: number; count: number } | null = null,
): ResultRecord[] {
  return runs.map((ratios, i) =>
    sampleRecord({
      run_id: `c${i}-${ratios[0]}-${f1}-${host}-${shard?.index}`,
      config_id: "cfg",
      repeat: i,
      shard,
      metrics: { "bcubed.f1": f1, clusters: 10 },
      metric_directions: { "bcubed.f1": "higher", clusters: "none" },
      timings: { wall_s: ratios[0]!, cpu_s: ratios[0]!, peak_rss_mb: 1, samples: {}, paired: paired(ratios) },
      env: { ...sampleRecord().env, hostname: host },
    })
  );
}

const BASE = buildBaseline(
  sweep([noisy(2, 20, 0.02, 1), noisy(2, 20, 0.02, 2)]),
  sweep([noisy(2.03, 20, 0.02, 3), noisy(2.03, 20, 0.02, 4)]),
);

Deno.test("baseline pools the sweeps' per-pair ratios and records the A/A changes", () => {
  const c = BASE.configs.cfg!;
  assertEquals(BASE.version, 2);
  assertEquals(BASE.sweeps, 2);
  assertEquals(c.latency!.ratio_cpu.length, 80);
  assertEquals(c.latency!.aa_cpu.length, 2);
  // Leave-one-out: the two sweeps' changes are opposite, about ±log(1.03).
  const [a, b] = c.latency!.aa_cpu;
  assert(Math.abs(a! + b!) < 1e-4 && Math.abs(Math.abs(a!) - Math.log(1.03)) < 0.02, `${a} ${b}`);
});

Deno.test("gate passes an unchanged sweep and reports the interval, pairs and rule", () => {
  const r = runGate(BASE, sweep([noisy(2.01, 20, 0.02, 5), noisy(2.01, 20, 0.02, 6)]));
  assert(r.passed);
  assertEquals(r.latencyMode, "paired");
  const row = r.rows.find((x) => x.kind === "latency")!;
  assertEquals(row.pairs, 40);
  assert(row.interval![0] <= row.change! && row.change! <= row.interval![1]);
  assertEquals(row.limit, 1 + DEFAULT_RULES.latency.min_band); // A/A change 3% < the 5% minimum band
  const text = formatGateReport(r);
  assert(text.includes("sign-test interval") && text.includes("gate: PASS"), text);
});

Deno.test("gate fails a slow-down whose whole interval is beyond the band, warns when inconclusive", () => {
  const slow = runGate(BASE, sweep([noisy(2.4, 20, 0.02, 7)]));
  assert(!slow.passed);
  const row = slow.rows.find((x) => x.kind === "latency")!;
  assertEquals(row.verdict, "regression");
  assert(Math.abs(row.change! - 1.19) < 0.03, String(row.change));
  // 8% slower on average but so noisy that the interval reaches back into the band: a warning, not a failure.
  const unsure = runGate(BASE, sweep([noisy(2.16, 12, 0.4, 8)]));
  assert(unsure.passed);
  const u = unsure.rows.find((x) => x.kind === "latency")!;
  assert(u.verdict === "warning" || u.verdict === "ok", u.verdict);
});

Deno.test("a machine that is slower overall, or loaded, cancels out in the paired ratio", () => {
  // Everything 3× slower, candidate and reference alike: the per-pair ratios do not move.
  assert(runGate(BASE, sweep([noisy(2.0, 20, 0.02, 9)])).passed);
});

Deno.test("improvements are reported, and a fixed band in the rules replaces the calibrated one", () => {
  const fast = runGate(BASE, sweep([noisy(1.5, 20, 0.02, 10)]));
  assert(fast.passed);
  assertEquals(fast.rows.find((x) => x.kind === "latency")!.verdict, "improvement");
  const r = runGate(BASE, sweep([noisy(2.4, 20, 0.02, 11)]), { latency: { noise_band: 0.5 } });
  assert(r.passed);
  assertEquals(r.rows.find((x) => x.kind === "latency")!.limit, 1.5);
});

Deno.test("the A/A spread widens the band: a shift inside the calibrated noise passes", () => {
  const wide = buildBaseline(sweep([noisy(2, 20, 0.02, 12)]), sweep([noisy(2.5, 20, 0.02, 13)]));
  const band = wide.configs.cfg!.latency!.aa_cpu.map(Math.abs);
  assert(Math.abs(band[0]! - Math.log(1.25)) < 0.02, String(band));
  // Against the pooled median (~2.2–2.3), 2.5 is ~×1.1, inside the ×1.25 band.
  assert(runGate(wide, sweep([noisy(2.5, 20, 0.02, 14)])).passed);
});

Deno.test("merged results are gated per host and shard, never pooled across them", () => {
  const merged = [
    ...sweep([noisy(2, 20, 0.02, 15)], 0.9, "a", { index: 1, count: 2 }),
    ...sweep([noisy(2.6, 20, 0.02, 16)], 0.9, "b", { index: 2, count: 2 }),
  ];
  const r = runGate(BASE, merged);
  const rows = r.rows.filter((x) => x.kind === "latency");
  assertEquals(rows.map((x) => x.group).sort(), ["a shard 1/2", "b shard 2/2"]);
  assertEquals(rows.find((x) => x.group === "a shard 1/2")!.verdict, "ok");
  assertEquals(rows.find((x) => x.group === "b shard 2/2")!.verdict, "regression");
  assert(rows.every((x) => x.config.includes(" @ ")));
});

Deno.test("gate fails an accuracy drop beyond the tolerance, not within it", () => {
  const runs = [noisy(2, 10, 0.01, 17)];
  const drop = runGate(BASE, sweep(runs, 0.88));
  assert(!drop.passed);
  const row = drop.rows.find((r) => r.verdict === "regression")!;
  assertEquals([row.kind, row.metric], ["accuracy", "bcubed.f1"]);
  assert(runGate(BASE, sweep(runs, 0.897)).passed);
  assert(!runGate(BASE, sweep(runs, 0.897), { accuracy: { default: 0.001 } }).passed);
});

Deno.test("a failed or missing baseline configuration is a regression (missing: a warning when allowed)", () => {
  const failed = [sampleRecord({ config_id: "cfg", status: "failed", error: "boom", metrics: {} })];
  const r = runGate(BASE, failed);
  assert(!r.passed);
  assert(r.rows.some((x) => x.kind === "status" && x.note.includes("boom")));
  assert(!runGate(BASE, []).passed);
  const allowed = runGate(BASE, [], { allow_missing: true });
  assert(allowed.passed);
  assertEquals(allowed.warnings, 1);
});

Deno.test("unpaired current runs are not gated on latency but say so", () => {
  const old = sweep([noisy(9, 3, 0.01, 18)]).map((r) => ({ ...r, timings: { ...r.timings, paired: undefined } }));
  const r = runGate(BASE, old);
  assert(r.passed);
  assert(r.rows.some((x) => x.kind === "latency" && x.verdict === "warning" && x.note.includes("no paired")));
});

Deno.test("a version 1 baseline still gates accuracy, says how to refresh, and bad files fail in one line", () => {
  const v1 = {
    schema: "peoplebench-baseline",
    version: 1,
    configs: {
      cfg: {
        name: "x",
        metrics: { "bcubed.f1": 0.95 },
        directions: { "bcubed.f1": "higher" },
        wall_s: [1],
        ratio: [1],
      },
    },
  };
  const b = validateBaseline(v1, "old.json");
  const r = runGate(b, sweep([noisy(2, 5, 0.01, 19)]));
  assertEquals(r.latencyMode, "baseline-v1");
  assert(!r.passed); // 0.9 < 0.95 − 0.005
  assert(r.rule.includes("--update-baseline"), r.rule);
  assertThrows(() => validateBaseline({ schema: "x" }, "b.json"), Error, "b.json: not a PeopleBench baseline");
  assertThrows(() => validateBaseline({ ...v1, version: 7 }, "b.json"), Error, "version 7");
  const broken = JSON.parse(JSON.stringify(BASE));
  broken.configs.cfg.latency.ratio_cpu = ["x"];
  assertThrows(() => validateBaseline(broken, "b.json"), Error, "configs.cfg.latency.ratio_cpu");
});

Deno.test("decideLatency: regression iff the interval's lower end exceeds 1 + band", () => {
  const base = { ratio_cpu: [1, 1, 1, 1], ratio_wall: [1, 1, 1, 1], aa_cpu: [0.1, -0.1], aa_wall: [] };
  const rules = { ...DEFAULT_RULES.latency };
  const at = (xs: number[]) => decideLatency(base, xs, rules)!;
  assert(Math.abs(at([1.2]).band - (Math.E ** 0.1 - 1)) < 1e-12);
  const tight = at(Array.from({ length: 30 }, (_, i) => 1.2 + (i % 3) * 0.001));
  assertEquals(tight.verdict, "regression");
  const straddle = at(Array.from({ length: 30 }, (_, i) => (i < 10 ? 1.05 : 1.2)));
  assertEquals(straddle.verdict, "warning");
  assertEquals(decideLatency(base, [], rules), null);
});

Deno.test("Mann–Whitney U matches exact small-sample values", () => {
  assertEquals(mannWhitneyGreater([4, 5, 6], [1, 2, 3]).p, 1 / 20);
  assertEquals(mannWhitneyGreater([1, 2, 3], [4, 5, 6]).p, 1);
  // U = 7 of 9 for x = [2, 5, 6], y = [1, 3, 4]; U frequencies 1,1,2,3,3,3,3,2,1,1 over 20: P(U ≥ 7) = 4 / 20.
  const r = mannWhitneyGreater([2, 5, 6], [1, 3, 4]);
  assertEquals(r.u, 7);
  assert(Math.abs(r.p - 0.2) < 1e-12);
});

Deno.test("BMF output has latency and paired-ratio measures and gated metrics per configuration", () => {
  const bmf = toBmf(sweep([[2], [3], [4]]));
  const entry = Object.values(bmf)[0]!;
  assertEquals(entry.latency, { value: 3, lower_value: 2, upper_value: 4 });
  assertEquals(entry.ratio, { value: 3, lower_value: 2, upper_value: 4 });
  assert("bcubed.f1" in entry && !("clusters" in entry));
});
