/** Figure 11 (scale): power-law fit and the figure drawn from `stage.*.seconds` metrics. */
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { fitPowerLaw, scaleFigure } from "../../reports/figures/scale.ts";
import type { ResultRecord } from "../../benchmarks/results/schema.ts";

Deno.test("fitPowerLaw recovers a and b of an exact power law, and refuses one size", () => {
  const n = [1e4, 3e4, 1e5, 3e5, 1e6];
  const f = fitPowerLaw(n, n.map((x) => 2e-6 * x ** 1.3))!;
  assertAlmostEquals(f.b, 1.3, 1e-9);
  assertAlmostEquals(f.a, 2e-6, 1e-12);
  assertAlmostEquals(f.r2, 1, 1e-12);
  assertEquals(fitPowerLaw([5, 5], [1, 2]), null);
});

function record(n: number, seconds: Record<string, number>): ResultRecord {
  const metrics: Record<string, number> = {};
  for (const [s, t] of Object.entries(seconds)) {
    metrics[`stage.${s}.seconds`] = t;
    metrics[`stage.${s}.peak_mb`] = n / 1000;
  }
  return {
    status: "ok",
    metrics,
    dataset: { n, name: `lib-${n}` },
    variant: { label: "library-scale", stages: { cluster: { variant: "library-scale", params: {} } } },
    backend: { requested: "cpu", used: "cpu" },
    experiment: "cost-curve",
    spec: { name: "scale", hash: "h" },
    seed: 1,
  } as unknown as ResultRecord;
}

Deno.test("scaleFigure draws one curve and one fit per stage, with exponents in the caption and table", () => {
  const sizes = [1e4, 1e5, 1e6];
  const out = scaleFigure(sizes.map((n) => record(n, { first_pass: 1e-5 * n, hac: 1e-9 * n * n })));
  assert(out.kind === "figure");
  const names = out.data.map((d) => d.name as string);
  assert(names.some((x) => x.startsWith("first_pass (n^1.00)")), names.join());
  assert(names.some((x) => x.startsWith("hac (n^2.00)")), names.join());
  assert(out.caption.includes("hac ≈"), out.caption);
  assertEquals(out.table.rows.length, 6);
  assertEquals(scaleFigure([record(1e4, { first_pass: 1 })]).kind, "missing");
});
