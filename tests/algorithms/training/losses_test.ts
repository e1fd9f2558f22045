import { assert, assertAlmostEquals, assertThrows } from "../../_assert.ts";
import {
  arcTarget,
  MARGIN_LOSS_IDS,
  marginLoss,
  type MarginLossOptions,
  updateCurricularT,
} from "../../../algorithms/training/losses.ts";
import { checkGradient, randomArray } from "./_gradcheck.ts";

const BATCH = 5, CLASSES = 7;
const labels = new Int32Array([0, 3, 6, 2, 3]);

/** Cosines in (−0.95, 0.95), with two negatives raised above their targets so the hard-negative branches run. */
function cosines(seed: number): Float64Array {
  const cos = randomArray(BATCH * CLASSES, seed, -0.95, 0.95);
  cos[0 * CLASSES + 1] = 0.9;
  cos[1 * CLASSES + 5] = Math.min(0.95, cos[1 * CLASSES + 3]! + 0.3);
  return cos;
}

for (const id of MARGIN_LOSS_IDS) {
  Deno.test(`marginLoss ${id}: analytic gradient equals finite differences`, () => {
    const options: MarginLossOptions = { scale: 16, curricularT: 0.3 };
    for (const seed of [1, 2, 3]) {
      const cos = cosines(seed);
      const { gradCos } = marginLoss(cos, { labels, id, ...options });
      checkGradient(`${id} seed ${seed}`, cos, () => marginLoss(cos, { labels, id, ...options }).loss, gradCos, {
        tol: 1e-5,
      });
    }
  });
}

Deno.test("marginLoss softmax equals cross-entropy of s·cos computed directly", () => {
  const cos = cosines(4);
  const s = 10;
  let expected = 0;
  for (let i = 0; i < BATCH; i++) {
    const row = Array.from(cos.subarray(i * CLASSES, (i + 1) * CLASSES), (c) => s * c);
    const lse = Math.log(row.reduce((a, z) => a + Math.exp(z), 0));
    expected += lse - row[labels[i]!]!;
  }
  assertAlmostEquals(marginLoss(cos, { labels, id: "softmax", scale: s }).loss, expected / BATCH, 1e-12);
});

Deno.test("marginLoss: margins make the loss larger than plain softmax, mining weighs negatives up", () => {
  const cos = cosines(5);
  const plain = marginLoss(cos, { labels, id: "softmax" }).loss;
  for (const id of ["cosface", "arcface", "sv-softmax", "curricularface", "margin-mining"] as const) {
    assert(marginLoss(cos, { labels, id, curricularT: 0.5 }).loss > plain, `${id} should exceed softmax`);
  }
});

Deno.test("arcTarget: cos(θ + m) inside [0, π − m], the fallback c − m·sin m beyond, monotone across the switch", () => {
  const m = 0.5;
  const [phi] = arcTarget(Math.cos(1), m);
  assertAlmostEquals(phi, Math.cos(1.5), 1e-12);
  const [fallback, slope] = arcTarget(Math.cos(Math.PI - 0.2), m); // θ + m > π
  assertAlmostEquals(fallback, Math.cos(Math.PI - 0.2) - m * Math.sin(m), 1e-12);
  assertAlmostEquals(slope, 1, 0);
  const edge = Math.cos(Math.PI - m);
  // insightface's rule jumps down at θ = π − m (from −1 to −cos m − m·sin m), so φ keeps decreasing in θ.
  assertAlmostEquals(arcTarget(edge + 1e-9, m)[0], -1, 1e-4);
  assert(arcTarget(edge - 1e-9, m)[0] < -1);
  // Gradient check in the fallback region too.
  const cos = new Float64Array([-0.99, 0.2, 0.1]);
  const one = new Int32Array([0]);
  const { gradCos } = marginLoss(cos, { labels: one, id: "arcface" });
  checkGradient("arcface fallback", cos, () => marginLoss(cos, { labels: one, id: "arcface" }).loss, gradCos);
});

Deno.test("SV-softmax and CurricularFace re-weight only the negatives harder than the target", () => {
  const cos = new Float64Array([0.5, 0.6, -0.1]); // target 0.5 (θ + m: φ ≈ 0.0),  negative 0.6 hard, −0.1 easy
  const one = new Int32Array([0]);
  const s = 1, m = 0.5;
  const [phi] = arcTarget(0.5, m);
  const t = 1.2;
  const sv = marginLoss(cos, { labels: one, id: "sv-softmax", scale: s, margin: m, svT: t }).loss;
  const svExpected = Math.log(Math.exp(phi) + Math.exp(t * 0.6 + t - 1) + Math.exp(-0.1)) - phi;
  assertAlmostEquals(sv, svExpected, 1e-12);
  const ct = 0.3;
  const cf = marginLoss(cos, { labels: one, id: "curricularface", scale: s, margin: m, curricularT: ct }).loss;
  assertAlmostEquals(cf, Math.log(Math.exp(phi) + Math.exp(0.6 * (ct + 0.6)) + Math.exp(-0.1)) - phi, 1e-12);
  assertAlmostEquals(updateCurricularT(0, 0.8), 0.008, 1e-15);
});

Deno.test("marginLoss rejects labels out of range and ragged input", () => {
  assertThrows(() => marginLoss(new Float64Array(4), { labels: new Int32Array([0, 2]), id: "softmax" }), RangeError);
  assertThrows(() => marginLoss(new Float64Array(5), { labels: new Int32Array([0, 1]), id: "softmax" }), RangeError);
});
