import { assert, assertEquals } from "../_assert.ts";
import { clusterByIdentity, tuneClusterThreshold, unitRows, verifyByIdentity } from "../../training/evaluate.ts";
import { Rng } from "../../algorithms/random/rng.ts";

/** Crops of `ids` identities in `dim` dimensions: a random centre each plus noise of `spread`. */
function clusters(ids: number, perId: number, spread: number, seed: number) {
  const rng = new Rng(seed), dim = 16;
  const centres = Float64Array.from({ length: ids * dim }, () => rng.normal());
  const identity = Int32Array.from({ length: ids * perId }, (_, i) => Math.floor(i / perId));
  const x = Float64Array.from({ length: ids * perId * dim }, (_, k) => {
    const i = Math.floor(k / dim);
    return centres[identity[i]! * dim + (k % dim)]! + spread * rng.normal();
  });
  return { embeddings: unitRows(x, dim), identity };
}

Deno.test("verifyByIdentity: separable identities score AUC 1 and rank-1 1; noise lowers both; groups split", () => {
  const groupOf = ["F", "F", "M", "M", "M"];
  const clean = verifyByIdentity(clusters(5, 4, 0.01, 1).embeddings, {
    identity: clusters(5, 4, 0.01, 1).identity,
    groupOf,
    bootstrap: 30,
  });
  assertEquals(clean.map((g) => [g.group, g.identities]), [["all", 5], ["F", 2], ["M", 3]]);
  for (const g of clean) assertEquals([g.auc.value, g.rank1.value, g.tarAtFar3.value], [1, 1, 1]);
  const noisy = clusters(5, 4, 1.5, 2);
  const r = verifyByIdentity(noisy.embeddings, { identity: noisy.identity, groupOf, bootstrap: 30, seed: 3 });
  assert(r[0]!.auc.value < 1 && r[0]!.rank1.value < 1);
  assert(r[0]!.auc.low <= r[0]!.auc.value && r[0]!.auc.value <= r[0]!.auc.high);
  // 4 crops per identity: 6 genuine pairs each; impostor pairs between the 5 identities: 10 × 16.
  assertEquals([r[0]!.genuinePairs, r[0]!.impostorPairs], [30, 160]);
  assertEquals(verifyByIdentity(noisy.embeddings, { identity: noisy.identity, groupOf, bootstrap: 30, seed: 3 }), r);
});

Deno.test("clusterByIdentity: separable identities cluster perfectly at a validation-tuned threshold; noise lowers F", () => {
  const groupOf = ["F", "F", "M", "M", "M"];
  const val = clusters(5, 4, 0.05, 4), test = clusters(5, 4, 0.05, 5);
  const threshold = tuneClusterThreshold(val.embeddings, val.identity);
  assert(threshold > 0 && threshold < 1, `threshold ${threshold}`);
  const clean = clusterByIdentity(test.embeddings, { identity: test.identity, groupOf, threshold });
  assertEquals(clean.map((g) => [g.group, g.identities]), [["all", 5], ["F", 2], ["M", 3]]);
  for (const g of clean) assertEquals([g.bcubedF, g.oracleF], [1, 1]);
  const noisy = clusters(5, 4, 1.5, 6);
  const r = clusterByIdentity(noisy.embeddings, { identity: noisy.identity, groupOf, threshold });
  assert(r[0]!.bcubedF < 1 && r[0]!.bcubedF <= r[0]!.oracleF, JSON.stringify(r[0]));
  // Everything merged (threshold 2 ≥ every cosine distance): recall 1, precision 1/5 → F = 1/3.
  const merged = clusterByIdentity(noisy.embeddings, { identity: noisy.identity, groupOf, threshold: 2 });
  assert(Math.abs(merged[0]!.bcubedF - 1 / 3) < 1e-12, `${merged[0]!.bcubedF}`);
});
