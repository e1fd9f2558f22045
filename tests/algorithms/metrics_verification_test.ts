import { assertAlmostEquals, assertEquals } from "../_assert.ts";
import { bestThreshold, kFoldAccuracy, verificationMetrics } from "../../algorithms/metrics/verification.ts";
import { Rng } from "../../algorithms/random/rng.ts";

/** Mann–Whitney AUC by counting every genuine × impostor pair (ties half). */
function bruteAuc(scores: Float64Array, genuine: Uint8Array, weights?: Float64Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!genuine[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (genuine[j]) continue;
      const w = (weights?.[i] ?? 1) * (weights?.[j] ?? 1);
      den += w;
      num += w * (scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0);
    }
  }
  return num / den;
}

Deno.test("verificationMetrics: AUC equals the pairwise count, with ties and weights", () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 60;
    const genuine = Uint8Array.from({ length: n }, () => (rng.bernoulli(0.3) ? 1 : 0));
    genuine[0] = 1, genuine[1] = 0;
    const scores = Float64Array.from({ length: n }, (_, i) => Math.round((rng.normal() + genuine[i]!) * 4) / 4);
    const weights = Float64Array.from({ length: n }, () => rng.int(3));
    assertAlmostEquals(verificationMetrics(scores, { genuine }).auc, bruteAuc(scores, genuine), 1e-12);
    assertAlmostEquals(
      verificationMetrics(scores, { genuine, weights }).auc,
      bruteAuc(scores, genuine, weights),
      1e-12,
    );
  }
});

Deno.test("verificationMetrics: TAR at FAR from the threshold admitting at most that share of impostors", () => {
  // 10 impostors 0..9 (score i/10), genuine at 0.55, 0.85, 0.95, 1.0.
  const scores = new Float64Array([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.55, 0.85, 0.95, 1.0]);
  const genuine = Uint8Array.from(scores, (_, i) => (i >= 10 ? 1 : 0));
  const m = verificationMetrics(scores, { genuine, fars: [0, 0.1, 0.2, 1] });
  assertEquals(m.tarAtFar, [0.5, 0.75, 0.75, 1]); // 1 impostor (0.9) lets 0.85 in; the 2nd (0.8) adds none
});

Deno.test("kFoldAccuracy: perfectly separable folds score 1; the threshold is a midpoint", () => {
  const scores = new Float64Array([0.1, 0.2, 0.8, 0.9, 0.15, 0.25, 0.7, 0.95]);
  const genuine = Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1]);
  assertEquals(kFoldAccuracy(scores, { genuine, fold: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]) }), [1, 1]);
  assertAlmostEquals(bestThreshold([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 0.5, 1e-12);
});
