/**
 * Records compared timings aside (`benchmarks/results/compare.ts`, `benchmarks/tools/compare_records.ts`): runs
 * match by configuration across code versions, timings and ids do not count, every computed field does.
 */
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { compareRecords } from "../../benchmarks/results/compare.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { formatComparison } from "../../benchmarks/tools/compare_records.ts";
import { sampleRecord } from "./_fixtures.ts";

/** A run of `hac` with the given linkage (and extra parameters), as another code version would record it. */
function run(linkage: string, over: Partial<ResultRecord> = {}, params: Record<string, unknown> = {}): ResultRecord {
  return sampleRecord({
    run_id: `${linkage}-${JSON.stringify(params)}`,
    variant: {
      label: `hac(linkage=${linkage})`,
      stages: { cluster: { variant: "hac", params: { linkage, threads: 1, ...params } } },
    },
    ...over,
  });
}

Deno.test("compareRecords: timings, run ids, environment and times aside, the same runs are identical", async () => {
  const a = [run("average"), run("single")];
  const b = [
    run("single", { run_id: "other", timings: { wall_s: 9, cpu_s: 9, peak_rss_mb: 1, samples: {} } }),
    run("average", { env: { ...sampleRecord().env, code_version: "new" }, finished_at: "2027-01-01T00:00:00Z" }),
  ];
  const c = await compareRecords(a, b);
  assertEquals([c.matched, c.identical, c.differing.length, c.onlyA.length, c.onlyB.length], [2, 2, 0, 0, 0]);
});

Deno.test("compareRecords: each computed field that differs is named; unmatched runs are listed", async () => {
  const subgroup = {
    attribute: "gender",
    group: "f",
    metric: "bcubed.f1",
    value: 0.5,
    n: 4,
    ci_low: null,
    ci_high: null,
  };
  const a = [run("average", { subgroups: [subgroup], counters: { merges: 3 } }), run("complete")];
  const b = [
    run("average", {
      metrics: { "bcubed.f1": 0.8, threshold: 0.5 },
      subgroups: [{ ...subgroup, value: 0.6 }],
      counters: { merges: 3 },
      status: "ok",
    }),
    run("median"),
  ];
  const c = await compareRecords(a, b);
  assertEquals(c.matched, 1);
  assertEquals(c.differing[0]!.differences.map((d) => d.field), [
    "metrics.bcubed.f1",
    "metrics.threshold",
    "subgroups.gender/f/bcubed.f1",
  ]);
  assertEquals(c.differing[0]!.differences[1], { field: "metrics.threshold", a: undefined, b: 0.5 });
  assertEquals(c.onlyA, ["exp/d/hac(linkage=complete)/seed=1#0"]);
  assertEquals(c.onlyB, ["exp/d/hac(linkage=median)/seed=1#0"]);
  const text = formatComparison(c).join("\n");
  assert(text.includes("1 run(s) matched: 0 identical, 1 differing; 1 only in A, 1 only in B"), text);
  assert(text.includes("metrics.bcubed.f1: 0.9 → 0.8"), text);
});

Deno.test("compareRecords: a parameter only one side knows matches at any value; ignored ones too", async () => {
  const a = [run("average")];
  // The newer code records a new setting; it pins an old behaviour explicitly with another one.
  const b = [run("average", {}, { dev_fraction: 0.5, untimed_order: "file" })];
  const c = await compareRecords(a, b);
  assertEquals([c.matched, c.identical], [1, 1]);
  assertEquals(c.paramsOnlyB, ["cluster.dev_fraction", "cluster.untimed_order"]);
  // A parameter both know with another value is another configuration, unless ignored.
  const threads = [run("average", {}, { threads: 2 })];
  assertEquals((await compareRecords(a, threads)).matched, 0);
  assertEquals((await compareRecords(a, threads, { ignoreParams: ["threads"] })).identical, 1);
  // Ignoring the parameter that tells two runs apart makes the match ambiguous: an error, not a guess.
  await assertRejects(
    () =>
      compareRecords(a, [run("average", {}, { threads: 2 }), run("average", {}, { threads: 3 })], {
        ignoreParams: ["threads"],
      }),
    Error,
    "matches 2 runs",
  );
});

Deno.test("compareRecords with the results folders: artifacts of the same name compared byte for byte", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pb-compare-" });
  try {
    for (const [side, bytes] of [["a", [1, 2, 3]], ["b", [1, 2, 4]]] as const) {
      await Deno.mkdir(join(dir, side, "runs", "x"), { recursive: true });
      await Deno.writeFile(join(dir, side, "runs", "x", "labels.npy"), Uint8Array.from(bytes));
      await Deno.writeFile(join(dir, side, "runs", "x", "same.npy"), Uint8Array.of(7));
    }
    const artifacts = { labels: "runs/x/labels.npy", same: "runs/x/same.npy" };
    const c = await compareRecords([run("average", { artifacts })], [run("average", { artifacts })], {
      dirs: [join(dir, "a"), join(dir, "b")],
    });
    assertEquals(c.differing[0]!.differences, [{ field: "artifacts.labels", a: "3 bytes", b: "3 bytes" }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
