import { timeOrder } from "../../algorithms/clustering/order.ts";
import type { ClusterInput } from "../../algorithms/clustering/greedy.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import {
  type CalibrationTable,
  lookupThreshold,
  readCalibrationTable,
  resolveAutoThreshold,
} from "../../benchmarks/calibration/thresholds.ts";
import { formatSummaryTable, summarise, verdicts } from "../../benchmarks/summary.ts";
import { getVariant, resolveParams } from "../../benchmarks/variants/registry.ts";
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { sampleRecord } from "./_fixtures.ts";

const TABLE: CalibrationTable = {
  description: "test",
  grid: { min: 0.05, max: 1.2, step: 0.025 },
  models: [
    { name: "m1", sha256: "aa", dim: 4, thresholds: { average: 0.7, single: 0.4 }, dev: "dev set", command: "x" },
  ],
};

Deno.test("lookupThreshold: by digest when known, by name otherwise; other weights or linkages are not calibrated", () => {
  assertEquals(lookupThreshold({ name: "m1", sha256: "aa" }, "average", TABLE)?.threshold, 0.7);
  assertEquals(lookupThreshold({ name: "m1" }, "single", TABLE)?.threshold, 0.4);
  assertEquals(lookupThreshold({ name: "m1", sha256: "bb" }, "average", TABLE), null);
  assertEquals(lookupThreshold({ name: "m1" }, "complete", TABLE), null);
  assertEquals(lookupThreshold({ name: "m2" }, "average", TABLE), null);
  assert(lookupThreshold({ name: "m1" }, "average", TABLE)!.source.includes("dev set"));
});

Deno.test("the committed calibration table is well formed (thresholds within the grid, digests hex)", () => {
  const t = readCalibrationTable();
  for (const m of t.models) {
    assert(/^[0-9a-f]{64}$/.test(m.sha256), `${m.name}: sha256`);
    for (const [l, v] of Object.entries(m.thresholds)) assert(v >= t.grid.min && v <= t.grid.max, `${m.name} ${l}`);
  }
});

function library(people: number, per: number): { input: ClusterInput; truth: Int32Array } {
  const rng = new Rng(3), dim = 12, n = people * per;
  const centres = Array.from({ length: people }, () => Array.from({ length: dim }, () => rng.normal()));
  const face = new Float32Array(n * dim), truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    truth[i] = Math.floor(i / per);
    let s = 0;
    for (let k = 0; k < dim; k++) s += (face[i * dim + k] = centres[truth[i]!]![k]! + 0.3 * rng.normal()) ** 2;
    for (let k = 0; k < dim; k++) face[i * dim + k]! /= Math.sqrt(s);
  }
  const input: ClusterInput = {
    n,
    face,
    faceDim: dim,
    faceRow: Int32Array.from({ length: n }, (_, i) => i),
    body: null,
    bodyDim: 0,
    bodyRow: new Int32Array(n).fill(-1),
    moment: new Int32Array(n),
    order: timeOrder(new Float64Array(n).fill(NaN), 1),
  };
  return { input, truth };
}

Deno.test("resolveAutoThreshold: calibration first, else the dev-split optimum, else a clear error", () => {
  const { input, truth } = library(10, 8);
  const base = { linkage: "average", input, truth, firstPass: null, seed: 1, table: TABLE };
  const cal = resolveAutoThreshold({ ...base, model: { name: "m1" } });
  assertEquals([cal.threshold, cal.protocol], [0.7, null]);
  const tuned = resolveAutoThreshold({ ...base, model: { name: "uncalibrated" } });
  assert(tuned.protocol !== null);
  assertEquals(tuned.threshold, tuned.protocol.report.devThreshold);
  assert(tuned.source.includes("dev split"));
  assertThrows(() => resolveAutoThreshold({ ...base, model: null, truth: null }), RangeError, "give a number");
});

Deno.test("cluster variants default to threshold auto and accept numbers; other strings are refused", () => {
  const v = getVariant("two-pass")!;
  assertEquals(resolveParams(v, {}).threshold, "auto");
  assertEquals(resolveParams(v, { threshold: 0.6 }).threshold, 0.6);
  assertThrows(() => resolveParams(v, { threshold: "best" }), RangeError, 'or "auto"');
});

function protocolRecord(label: string, test: number, oracle: number, config: string) {
  return sampleRecord({
    config_id: config,
    experiment: "linkage",
    variant: { label, stages: {} },
    metrics: {
      "bcubed.f1": test,
      "dev.threshold": 0.5,
      "test.bcubed.f1": test,
      "oracle.bcubed.f1": oracle,
      "gap.bcubed.f1": oracle - test,
      threshold: 0.5,
    },
  });
}

Deno.test("summary table: full labels, every column and row explained, one verdict per compared group", () => {
  const long = "two-pass(linkage=average,threshold=auto,curve_points=10,sample_pairs=64,first_pass=true)";
  const rows = summarise([
    protocolRecord("two-pass(linkage=single)", 0.9, 0.95, "a"),
    protocolRecord(long, 0.97, 0.972, "b"),
    sampleRecord({ config_id: "r", experiment: "reference", variant: { label: "reference", stages: {} } }),
  ]);
  const text = formatSummaryTable(rows, { descriptions: { linkage: "second-pass linkage" } });
  assert(text.includes(long), "label cut");
  assert(!text.includes("..."), "silent truncation");
  assert(text.includes("reference: a fixed CPU workload"), "reference row unexplained");
  assert(text.includes("linkage: second-pass linkage"));
  assert(/F oracle: ORACLE/.test(text), "oracle column not labelled");
  const v = verdicts(rows);
  assertEquals(v.length, 1);
  assert(v[0]!.includes(long) && v[0]!.includes("0.970") && v[0]!.includes("0.900"), v[0]);
});
