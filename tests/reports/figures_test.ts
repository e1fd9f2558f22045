import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { FIGURE_IDS, FIGURES, type RenderedFigure } from "../../reports/mod.ts";
import { iterationTimeFigure } from "../../reports/figures/iteration_time.ts";
import { paretoFigure } from "../../reports/figures/pareto.ts";
import { fairnessFigure } from "../../reports/figures/fairness.ts";
import { faceBodyFigure } from "../../reports/figures/face_body.ts";
import { thresholdPrfFigure } from "../../reports/figures/threshold_prf.ts";
import { unclearFigure } from "../../reports/figures/unclear.ts";
import { groupLabels } from "../../reports/select.ts";
import { fixtureRecords, makeRecord } from "./_fixtures.ts";

function rendered(f: ReturnType<typeof iterationTimeFigure>): RenderedFigure {
  if (f.kind !== "figure") throw new Error(`figure ${f.id} has no data: ${f.needs}`);
  return f;
}

Deno.test("every figure renders from a full fixture sweep, with n, seeds and spec hash in its caption", () => {
  const records = fixtureRecords({ failures: true });
  for (const id of FIGURE_IDS) {
    const f = rendered(FIGURES[id](records));
    assert(f.data.length > 0, `${id}: no traces`);
    assert(/n = \d+ runs/.test(f.caption), `${id}: caption lacks n: ${f.caption}`);
    assert(/seeds \d/.test(f.caption), `${id}: caption lacks seeds`);
    assert(f.caption.includes(`spec ${records[0]!.spec.hash.slice(0, 12)}`), `${id}: caption lacks the spec hash`);
    const layout = f.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
    assert(layout.xaxis.title.text.length > 0 && layout.yaxis.title.text.length > 0, `${id}: axis titles`);
    assert(f.table.rows.length > 0, `${id}: empty data table`);
  }
});

Deno.test("figures without their data become 'needs …' panels instead of failing", () => {
  const onlyAssignment = fixtureRecords({ experiments: ["assignment"] });
  for (const id of ["iteration-time", "threshold-prf", "face-body", "fairness", "unclear-filter"] as const) {
    const f = FIGURES[id](onlyAssignment);
    assertEquals(f.kind, "missing", id);
    if (f.kind === "missing") assert(f.needs.length > 20, `${id}: says what it needs`);
  }
  assertEquals(FIGURES["assignment-exemplars"](onlyAssignment).kind, "figure");
  for (const id of FIGURE_IDS) assertEquals(FIGURES[id]([]).kind, "missing", `${id} on no records`);
});

Deno.test("failed runs are never plotted", () => {
  const ok = fixtureRecords({ experiments: ["linkages"], merges: 20 });
  const failedWithSamples = makeRecord({
    experiment: "linkages",
    stages: { cluster: { variant: "hac", params: { linkage: "complete", threshold: 0.5, sample_pairs: 64 } } },
    status: "failed",
    error: "boom",
    samples: { merge_seconds: [1, 2, 3] },
  });
  const f = rendered(iterationTimeFigure([...ok, failedWithSamples]));
  assert(!f.data.some((t) => String(t["name"]).includes("complete")));
  assert(!f.caption.includes("complete"));
});

Deno.test("iteration-time: median line and lowest/highest band over repeats, per iteration", () => {
  const rec = (repeat: number, merge: number[]) =>
    makeRecord({
      experiment: "e",
      stages: { cluster: { variant: "hac", params: { linkage: "average" } } },
      repeat,
      repeats: 3,
      samples: { merge_seconds: merge },
    });
  const f = rendered(iterationTimeFigure([rec(0, [1, 4, 2]), rec(1, [3, 5, 2]), rec(2, [2, 6])]));
  const [low, high, mid] = f.data as { x: number[]; y: number[] }[];
  assertEquals(mid!.x, [1, 2, 3]);
  assertEquals(mid!.y, [2, 5, 2]);
  assertEquals(low!.y, [1, 4, 2]);
  assertEquals(high!.y, [3, 6, 2]);
  assertEquals((f.layout as { yaxis: { type: string } }).yaxis.type, "log");
});

Deno.test("threshold-prf falls back to a sweep over the threshold parameter, averaging seeds", () => {
  const rec = (linkage: string, threshold: number, seed: number, p: number) =>
    makeRecord({
      experiment: "sweep",
      stages: { cluster: { variant: "hac", params: { linkage, threshold } } },
      seed,
      metrics: { "bcubed.precision": p, "bcubed.recall": 1 - p, "bcubed.f1": 0.5 },
    });
  const f = rendered(thresholdPrfFigure([
    rec("average", 0.3, 1, 0.9),
    rec("average", 0.3, 2, 0.7),
    rec("average", 0.6, 1, 0.5),
    rec("single", 0.3, 1, 0.6),
    rec("single", 0.6, 1, 0.4),
  ]));
  const precision = f.data.filter((t) => t["xaxis"] === "x") as { name: string; x: number[]; y: number[] }[];
  assertEquals(precision.map((t) => t.name), ["average", "single"]);
  assertEquals(precision[0]!.x, [0.3, 0.6]);
  assertAlmostEquals(precision[0]!.y[0]!, 0.8, 1e-12);
});

Deno.test("pareto: the front holds exactly the non-dominated configurations", () => {
  const rec = (linkage: string, wall: number, f1: number) =>
    makeRecord({
      experiment: "p",
      stages: { cluster: { variant: "hac", params: { linkage } } },
      wall,
      metrics: { "bcubed.f1": f1 },
    });
  const f = rendered(paretoFigure([rec("a", 1, 0.5), rec("b", 2, 0.9), rec("c", 3, 0.8), rec("d", 0.5, 0.4)]));
  const onFront = f.table.rows.filter((r) => r[6] === 1).map((r) => r[0]);
  assertEquals(onFront.sort(), ["a", "b", "d"]);
});

Deno.test("fairness marks the worst and best subgroup of each attribute and keeps the harness's intervals", () => {
  const f = rendered(fairnessFigure(fixtureRecords({ experiments: ["face-body"] })));
  const marks = f.table.rows.map((r) => `${r[0]}:${r[1]}:${r[6]}`);
  assert(marks.includes("gender:male:worst") && marks.includes("gender:female:best"), marks.join());
  assert(marks.includes("age_group:senior:worst") && marks.includes("age_group:child:best"), marks.join());
  assert(f.table.rows.every((r) => r[7] === "identities"));
  assert(f.table.rows.every((r) => (r[3] as number) <= (r[2] as number) && (r[2] as number) <= (r[4] as number)));
});

Deno.test("face-body compares the two distance modes on body-only and profile observations", () => {
  const f = rendered(faceBodyFigure(fixtureRecords({ experiments: ["face-body"] })));
  assertEquals(f.data.map((t) => t["name"]), ["face", "face+body"]);
  assertEquals((f.data[0] as { x: string[] }).x, [
    "body_only recall",
    "body_only precision",
    "profile recall",
    "profile precision",
  ]);
  const recall = (mode: number) => (f.data[mode] as { y: number[] }).y[0]!;
  assert(recall(1) > recall(0));
});

Deno.test("unclear-filter reads kept.* curves and averages them over seeds", () => {
  const f = rendered(unclearFigure(fixtureRecords({ experiments: ["unclear"] })));
  assertEquals(f.data.length, 2);
  assert(f.caption.includes("kept.bcubed.precision"));
});

Deno.test("groupLabels() names only what differs, primary dimension first, without repeats", () => {
  const labels = groupLabels([
    { dims: { dataset: "a", linkage: "average", method: "sparse", "assign.variant": "sparse" } },
    { dims: { dataset: "a", linkage: "median", method: "crc", "assign.variant": "crc" } },
  ], ["linkage"]);
  assertEquals(labels, ["average · sparse", "median · crc"]);
});

Deno.test("assignment-exemplars uses the harness's top1 interval when stored, else a bootstrap over runs", () => {
  const rec = (method: string, exemplars: number, seed: number, extra: Record<string, number> = {}) =>
    makeRecord({
      experiment: "a",
      stages: { assign: { variant: "gallery-assign", params: { method, exemplars } } },
      seed,
      metrics: { top1: 0.8 + seed / 100, ...extra },
    });
  const f = rendered(FIGURES["assignment-exemplars"]([
    rec("sparse", 5, 1, { "top1.ci_low": 0.7, "top1.ci_high": 0.9 }),
    rec("sparse", 5, 2, { "top1.ci_low": 0.72, "top1.ci_high": 0.92 }),
    rec("crc", 5, 1),
    rec("crc", 5, 2),
  ]));
  const byMethod = Object.fromEntries(f.table.rows.map((r) => [r[0], r]));
  assertAlmostEquals(byMethod["sparse"]![3] as number, 0.71, 1e-12);
  assertAlmostEquals(byMethod["sparse"]![4] as number, 0.91, 1e-12);
  assertEquals(byMethod["sparse"]![6], "identities");
  assertEquals(byMethod["crc"]![6], "runs");
  assert((byMethod["crc"]![3] as number) >= 0.81 - 1e-12 && (byMethod["crc"]![4] as number) <= 0.82 + 1e-12);
});

Deno.test("training-subgroups: worst and best subgroup per setting, in spec order, with the masked series", async () => {
  const { trainingSubgroupsFigure } = await import("../../reports/figures/training.ts");
  const f = rendered(trainingSubgroupsFigure(fixtureRecords({ experiments: ["training"] })));
  assertEquals(f.data.map((t) => t["name"]), [
    "worst subgroup",
    "best subgroup",
    "worst subgroup, masked crops",
    "shipped MobileFaceNet, worst subgroup",
  ]);
  assertEquals((f.data[0]!["x"] as string[])[0], "baseline-softmax");
  assertEquals((f.data[0]!["x"] as string[]).at(-1), "masks");
  const worst = f.data[0]!["y"] as number[], best = f.data[1]!["y"] as number[];
  worst.forEach((w, i) => assert(w < best[i]!, `setting ${i}: worst ${w} ≥ best ${best[i]}`));
});
