/**
 * Same-run references: the agreement checks, and (when Debian's python3-scipy, python3-fastcluster and
 * python3-sklearn are installed, as `.ci/install-references.sh` does in CI) one small comparison each of our HAC
 * and lasso against SciPy, fastcluster and scikit-learn, plus the reference variants beside ours.
 */
import { assert, assertEquals } from "../_assert.ts";
import { hac } from "../../algorithms/hac/mod.ts";
import { cutDendrogram } from "../../algorithms/hac/dendrogram.ts";
import { prepareLasso, solveLassoBatch } from "../../algorithms/assignment/mod.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import { resolveConfig } from "../../datasets/synthetic/config.ts";
import { generateLibraryInMemory } from "../../datasets/synthetic/generate.ts";
import {
  cutLevels,
  maxHeightDifference,
  objectiveAgreement,
  samePartition,
} from "../../benchmarks/references/agreement.ts";
import {
  findPythonReferences,
  HAC_LIBRARIES,
  missingReason,
  referenceHac,
  referenceLasso,
} from "../../benchmarks/references/python.ts";
import { hacVariant } from "../../benchmarks/variants/builtin/cluster.ts";
import { fastclusterHacVariant, scipyHacVariant } from "../../benchmarks/variants/builtin/python_reference.ts";
import type { RunContext, StageInput } from "../../benchmarks/variants/types.ts";

function unitRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed), out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) (out[i * dim + k] = rng.normal(), s += out[i * dim + k]! ** 2);
    for (let k = 0; k < dim; k++) out[i * dim + k]! /= Math.sqrt(s);
  }
  return out;
}

Deno.test("agreement: partitions up to renumbering, heights sorted, cuts in wide gaps, objectives", () => {
  assert(samePartition(Int32Array.of(0, 0, 1, 2), Int32Array.of(5, 5, 3, 9)));
  assert(!samePartition(Int32Array.of(0, 0, 1), Int32Array.of(0, 1, 1)));
  assert(!samePartition(Int32Array.of(-1, 0), Int32Array.of(1, 0)));
  const a = Float64Array.of(0, 1, 0.1, 2, 2, 3, 0.5, 3);
  const b = Float64Array.of(1, 0, 0.1000001, 2, 3, 2, 0.5, 3); // same merges, another id order
  assert(maxHeightDifference(a, b) < 2e-7);
  assertEquals(maxHeightDifference(a, Float64Array.of(0, 1, 0.1, 2)), Infinity);
  const z = Float64Array.of(0, 1, 0.1, 2, 2, 3, 0.11, 2, 4, 5, 0.9, 4);
  const [cut] = cutLevels(z, [0.5]);
  assertEquals(cut, { threshold: 0.505, margin: 0.395 }); // the widest gap, 0.11 → 0.9
  const o = objectiveAgreement([1, 2.002], [1, 2]);
  assert(Math.abs(o.maxRelExcess - 0.001) < 1e-12 && Math.abs(o.meanRelDiff - 0.0005) < 1e-12);
});

Deno.test("references: a missing interpreter or library is one line naming the package to install", () => {
  assert(missingReason(null, ["scipy"])!.includes(".ci/install-references.sh"));
  const versions = { numpy: "1.24.2", scipy: "1.10.1", sklearn: null, fastcluster: null };
  const why = missingReason({ python: "/usr/bin/python3", versions }, ["numpy", "scipy", "fastcluster"])!;
  assertEquals(why.split("\n").length, 1);
  assert(why.includes("lacks fastcluster") && why.includes("python3-fastcluster"), why);
  assertEquals(missingReason({ python: "/usr/bin/python3", versions }, ["numpy", "scipy"]), null);
});

const refs = await findPythonReferences();
const missing = missingReason(refs, ["numpy", "scipy", "fastcluster", "sklearn"]);
if (missing) console.log(`references_test: Python comparisons skipped — ${missing}`);

Deno.test({
  name: "references: our HAC equals SciPy's and fastcluster's (heights, partitions at cuts), same data",
  ignore: missing !== null,
  async fn() {
    const n = 400, dim = 16, x = unitRows(n, dim, 3);
    for (const linkage of ["average", "single", "complete"] as const) {
      const ours = hac(x, dim, { linkage });
      const cuts = cutLevels(ours.merges, [0.5, 0.9, 0.99]);
      for (const library of HAC_LIBRARIES) {
        const r = await referenceHac(refs!, library, { vectors: x, dim }, linkage, cuts.map((c) => c.threshold));
        assert(maxHeightDifference(ours.merges, r.merges) <= 1e-5, `${linkage} ${library} heights`);
        assert(r.seconds > 0 && r.processWallSeconds >= r.seconds, `${library} timings`);
        cuts.forEach((c, k) => {
          assert(c.margin > 1e-5, `cut ${c.threshold} sits in a gap of ${c.margin}`);
          assert(samePartition(cutDendrogram(ours.merges, n, c.threshold), r.cutLabels[k]!), `${linkage} ${library}`);
        });
      }
    }
  },
});

Deno.test({
  name: "references: scikit-learn's lasso objectives match our tight solve on the same atoms and queries",
  ignore: missing !== null,
  async fn() {
    const dim = 32, atoms = unitRows(60, dim, 4), queries = unitRows(12, dim, 5), lambda = 0.1;
    const tight = solveLassoBatch(prepareLasso(atoms, dim), queries, lambda, { tol: 1e-13 });
    for (const solver of ["lasso", "sparse-coder", "lars"] as const) {
      const r = await referenceLasso(refs!, solver, atoms, queries, dim, lambda, 1);
      const agree = objectiveAgreement(r.objective, tight.objective);
      // Ours is the optimum to 1e-13; theirs stops at its own tolerance, never below the optimum.
      assert(agree.maxRelExcess < 1e-3, `${solver}: ${agree.maxRelExcess}`);
      assert(agree.meanRelDiff > -1e-9, `${solver} below the optimum: ${agree.meanRelDiff}`);
      assert(r.msPerQuery > 0);
    }
  },
});

Deno.test({
  name: "references: scipy-hac and fastcluster-hac variants give hac's labels on a synthetic library",
  ignore: missing !== null,
  async fn() {
    const dataset = generateLibraryInMemory(resolveConfig({ observations: 300, identities: 12 }));
    const input: StageInput = { dataset, previous: {} };
    const ctx: RunContext = { seed: 1, rng: new Rng(1), clock: () => performance.now() / 1000, warmup: false };
    const p = { ...Object.fromEntries(Object.entries(hacVariant.params).map(([k, s]) => [k, s.default])) };
    const params = { ...p, linkage: "average", threshold: 0.5, threads: 1 } as Parameters<typeof hacVariant.run>[1];
    const ours = await hacVariant.run(input, params, ctx, hacVariant.prepare!(input, params, ctx));
    for (const v of [scipyHacVariant, fastclusterHacVariant]) {
      const rp = { linkage: "average", threshold: 0.5 };
      const out = await v.run(input, rp, ctx, await v.prepare!(input, rp, ctx));
      assert(samePartition(out.labels!, ours.labels!), v.id);
      assert(out.samples!.library_seconds![0]! > 0);
    }
  },
});
