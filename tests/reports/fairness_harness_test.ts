/**
 * Figure 6 from real harness records (not fixtures): a two-pass clustering run on the tiny synthetic library yields
 * panels for exactly the attributes its dataset.json declares — gender, age group, skin tone (and look-alikes) — each
 * group with the harness's bootstrap interval over identities.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { tempDir } from "../_shared.ts";
import { runSweep } from "../../benchmarks/runner/runner.ts";
import { fairnessFigure, fairnessPanels } from "../../reports/figures/fairness.ts";

Deno.test("figure 6 on a real sweep: the synthetic library's declared attributes, every group with an interval", async () => {
  const dir = await tempDir();
  const spec = join(dir, "fairness.json");
  await Deno.writeTextFile(
    spec,
    JSON.stringify({
      name: "fairness-check",
      defaults: { repeats: 1, warmups: 0, seeds: [1], timeout_s: 120 },
      metrics: { bootstrap: 100, confidence: 0.95, fairness: true },
      datasets: { tiny: { preset: "tiny", seed: 1 } },
      experiments: [{
        name: "linkage",
        datasets: ["tiny"],
        stages: { cluster: { variant: "two-pass", params: { linkage: "average", threshold: 0.5 } } },
      }],
    }),
  );
  const r = await runSweep(spec, { out: join(dir, "out") });
  assertEquals(r.failed, 0);
  const declared = r.records[0]!.dataset.attributes;
  assertEquals(declared, ["gender", "age_group", "skin_tone", "lookalike"]);
  const { panels } = fairnessPanels(r.records);
  assertEquals(panels.map((p) => p.attribute), declared);
  for (const p of panels) {
    assert(p.groups.length >= 2, `${p.attribute}: one group`);
    assert(p.summary !== null && p.summary.gap >= 0, p.attribute);
    for (const g of p.groups) {
      assertEquals(g.intervalOver, "identities", `${p.attribute}/${g.group}`);
      assert(g.low <= g.value && g.value <= g.high && g.high > g.low, `${p.attribute}/${g.group}: no interval`);
    }
  }
  const f = fairnessFigure(r.records);
  assert(f.kind === "figure" && /skewed error ratio/.test(f.caption) && f.caption.includes("age_group gap"));
  await Deno.remove(dir, { recursive: true });
});
