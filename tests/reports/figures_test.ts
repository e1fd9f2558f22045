import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { FIGURE_IDS, FIGURES, type RenderedFigure } from "../../reports/mod.ts";
import { iterationTimeFigure } from "../../reports/figures/iteration_time.ts";
import { paretoFigure } from "../../reports/figures/pareto.ts";
import { declaredSubgroups, fairnessFigure, fairnessPanels } from "../../reports/figures/fairness.ts";
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

Deno.test("pareto: the front holds exactly the non-dominated configurations; every point is labelled", () => {
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
  // Labels are printed in the static figure (annotations), not only shown on hover.
  const notes = (f.layout as { annotations: { text: string; x: number }[] }).annotations;
  assertEquals(notes.map((a) => a.text).sort(), ["a", "b", "c", "d"]);
  // On a log axis plotly places annotations at log10 of the value.
  assertAlmostEquals(notes.find((a) => a.text === "b")!.x, Math.log10(2), 1e-12);
  assertEquals(f.data.filter((t) => String(t["name"]).includes("Pareto front")).length, 1);
});

Deno.test("pareto: no front is drawn where one configuration is both fastest and most accurate", () => {
  const rec = (linkage: string, wall: number, f1: number) =>
    makeRecord({
      experiment: "p",
      stages: { cluster: { variant: "hac", params: { linkage } } },
      wall,
      metrics: { "bcubed.f1": f1 },
    });
  const f = rendered(paretoFigure([rec("fast-good", 0.5, 0.9), rec("slow", 2, 0.8), rec("slower", 3, 0.7)]));
  assertEquals(f.data.filter((t) => String(t["name"]).includes("Pareto front")).length, 0);
  assert(f.caption.includes("fast-good is both fastest and most accurate (no front)"), f.caption);
});

Deno.test("fairness marks the worst and best subgroup of each attribute and keeps the harness's intervals", () => {
  const f = rendered(fairnessFigure(fixtureRecords({ experiments: ["face-body"] })));
  const col = (name: string) => f.table.columns.indexOf(name);
  const marks = f.table.rows.map((r) => `${r[col("attribute")]}:${r[col("group")]}:${r[col("mark")]}`);
  assert(marks.includes("gender:male:worst") && marks.includes("gender:female:best"), marks.join());
  assert(marks.includes("age_group:senior:worst") && marks.includes("age_group:child:best"), marks.join());
  assert(f.table.rows.every((r) => r[col("interval_over")] === "identities"));
  assert(
    f.table.rows.every((r) =>
      (r[col("ci_low")] as number) <= (r[col("value")] as number) &&
      (r[col("value")] as number) <= (r[col("ci_high")] as number)
    ),
  );
  // The words are drawn in the figure, in the marks' colours, not only in the table.
  const words = f.data.find((t) => t["mode"] === "text") as { text: string[] };
  assertEquals(words.text.filter((t) => t.includes("worst")).length, 2);
  assertEquals(words.text.filter((t) => t.includes("best")).length, 2);
});

/** A clustering run with subgroup rows for the given attributes (value per group, interval ±0.02). */
function subgroupRun(
  dataset: string,
  linkage: string,
  f1: number,
  declared: string[],
  rows: [string, string, number][],
) {
  return makeRecord({
    experiment: `cluster-${dataset}`,
    dataset,
    attributes: declared,
    stages: { cluster: { variant: "hac", params: { linkage } } },
    metrics: { "bcubed.f1": f1 },
    subgroups: rows.map(([attribute, group, value]) => ({
      attribute,
      group,
      metric: "bcubed.f1",
      value,
      n: 100,
      ci_low: value - 0.02,
      ci_high: Math.min(1, value + 0.02),
    })),
  });
}

Deno.test("fairness panels are the declared attributes only: never kind, names or counts", () => {
  // celeb24 embedded before the fix: name and images were stored as subgroup rows but only gender is declared.
  const r = subgroupRun("celeb24", "average", 0.8, ["gender"], [
    ["gender", "F", 0.78],
    ["gender", "M", 0.82],
    ["name", "Barack Obama", 0.7],
    ["name", "Tina Fey", 1],
    ["images", "252", 0.7],
    ["kind", "body_only", 0.4],
  ]);
  const { panels } = fairnessPanels([r]);
  assertEquals(panels.map((p) => p.attribute), ["gender"]);
  assertEquals(declaredSubgroups(r).map((s) => s.attribute), ["gender", "gender"]);
});

Deno.test("fairness draws every declared attribute of each dataset, best configuration, gap and ratio in the caption", () => {
  const tinyAttrs = ["gender", "age_group", "skin_tone"];
  const tiny = (linkage: string, f1: number, shift: number) =>
    subgroupRun("tiny", linkage, f1, tinyAttrs, [
      ["gender", "female", 0.80 + shift],
      ["gender", "male", 0.84 + shift],
      ["age_group", "child", 0.70 + shift],
      ["age_group", "adult", 0.85 + shift],
      ["age_group", "senior", 0.80 + shift],
      ["skin_tone", "light", 0.86 + shift],
      ["skin_tone", "medium", 0.83 + shift],
      ["skin_tone", "dark", 0.78 + shift],
      ["kind", "profile", 0.5],
    ]);
  const celeb = (linkage: string, f1: number) =>
    subgroupRun("celeb24", linkage, f1, ["gender"], [["gender", "F", f1 - 0.02], ["gender", "M", f1 + 0.02]]);
  const records = [tiny("single", 0.80, -0.1), tiny("average", 0.86, 0), celeb("average", 0.9), celeb("single", 0.7)];
  const { panels } = fairnessPanels(records);
  assertEquals(panels.map((p) => `${p.dataset}:${p.attribute}:${p.configuration}`), [
    "celeb24:gender:average",
    "tiny:gender:average",
    "tiny:age_group:average",
    "tiny:skin_tone:average",
  ]);
  for (const p of panels) {
    for (const g of p.groups) {
      assertEquals(g.intervalOver, "identities");
      assert(g.low < g.value && g.value < g.high, `${p.attribute}/${g.group}: no interval`);
    }
  }
  const age = panels[2]!.summary!;
  assertEquals([age.worstGroup, age.bestGroup], ["child", "adult"]);
  assertAlmostEquals(age.gap, 0.15, 1e-12);
  assertAlmostEquals(age.skewedErrorRatio!, 0.3 / 0.15, 1e-9);
  const f = rendered(fairnessFigure(records));
  assert(
    f.caption.includes("tiny · age_group gap 0.150 (child 0.700 vs adult 0.850), skewed error ratio 2.000"),
    f.caption,
  );
  assert(f.caption.includes("celeb24 · gender gap 0.040"), f.caption);
  // One marker trace per panel, each with its asymmetric interval.
  const markers = f.data.filter((t) => t["mode"] === "markers") as { error_y: { array: number[] } }[];
  assertEquals(markers.length, 4);
  assert(markers.every((t) => t.error_y.array.every((e) => e > 0)));
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

Deno.test("backend-latency: software-adapter timings are their own labelled, hatched series and flagged in the table", () => {
  const f = rendered(FIGURES["backend-latency"](fixtureRecords({ experiments: ["backends"] })));
  const names = f.data.map((t) => String(t.name));
  assert(names.includes("ort-web:webgpu [software adapter]"), names.join(", "));
  assert(!names.includes("ort-web:webgpu"), "a software adapter is never drawn under the plain backend name");
  const hatched = f.data.find((t) => String(t.name).endsWith("[software adapter]"))!;
  assert((hatched.marker as { pattern?: unknown }).pattern !== undefined);
  assert(f.caption.includes("software adapter"));
  const col = f.table.columns.indexOf("software_adapter");
  const backendCol = f.table.columns.indexOf("backend");
  for (const row of f.table.rows) assertEquals(row[col], row[backendCol] === "ort-web:webgpu" ? "yes" : "no");
  // the latency figure (ECDFs) labels them too
  const ecdf = rendered(FIGURES["latency"](fixtureRecords({ experiments: ["backends"] })));
  assert(ecdf.data.some((t) => String(t.name).startsWith("ort-web:webgpu [software adapter]")));
});

Deno.test("op-profile: kernel-time shares per backbone from op.* metrics", () => {
  const f = rendered(FIGURES["op-profile"](fixtureRecords({ experiments: ["backends"] })));
  assertEquals(f.data.map((t) => t.name), ["Conv", "PRelu"]);
  assertEquals(f.table.rows.map((r) => [r[0], r[1], r[2]]), [["backbone-s (prelu)", "Conv", 0.6], [
    "backbone-s (prelu)",
    "PRelu",
    0.4,
  ]]);
});
