import { assert, assertEquals } from "../_assert.ts";
import { ASSIGN_EXPERIMENTS, experimentMarkdown, runAssignExperiment } from "../../benchmarks/assign_experiments.ts";
import { generateLibraryInMemory, resolveConfig } from "../../datasets/synthetic/mod.ts";

Deno.test("every assignment experiment runs on a tiny library, deterministically, with intervals around values", () => {
  const ds = generateLibraryInMemory(resolveConfig({ observations: 1500, identities: 12, seed: 2 }));
  for (const name of ASSIGN_EXPERIMENTS) {
    const opts = { seed: 1, resamples: 50, maxQueries: 10, splits: 3 };
    const r = runAssignExperiment(name, ds, opts);
    assert(r.rows.length >= 5, `${name}: ${r.rows.length} rows`);
    for (const row of r.rows) {
      for (const c of r.columns) {
        const i = row.figures[c]!;
        assert(Number.isFinite(i.value), `${name} ${row.method} ${c}`);
        assert(i.lo <= i.value + 1e-12 && i.value <= i.hi + 1e-12, `${name} ${row.method} ${c}: ${JSON.stringify(i)}`);
      }
    }
    assertEquals(r, runAssignExperiment(name, ds, opts));
    assert(experimentMarkdown(r).includes("| setting | method |"));
  }
});
