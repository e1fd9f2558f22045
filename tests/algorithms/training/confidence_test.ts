import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import {
  confidenceFeatures,
  confidenceLoss,
  type ConfidenceParams,
  confidenceScores,
  precisionAtKept,
  trainConfidenceClassifier,
} from "../../../algorithms/training/confidence.ts";
import { rocAuc } from "../../../algorithms/metrics/auc.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { checkGradient, randomArray } from "./_gradcheck.ts";

Deno.test("confidence loss: gradients of every parameter equal finite differences", () => {
  const batch = 5, inputs = 4, hidden = 3;
  // Inputs away from ReLU kinks: the check perturbs by 1e-6.
  const x = randomArray(batch * inputs, 11);
  const p: ConfidenceParams = {
    w1: randomArray(hidden * inputs, 12),
    b1: randomArray(hidden, 13, 0.2, 0.5),
    w2: randomArray(hidden, 14),
    b2: randomArray(1, 15),
  };
  const labels = [1, 0, 1, 1, 0], weights = [0.1, 0.3, 0.2, 0.1, 0.3];
  const g: ConfidenceParams = {
    w1: new Float64Array(p.w1.length),
    b1: new Float64Array(hidden),
    w2: new Float64Array(hidden),
    b2: new Float64Array(1),
  };
  confidenceLoss(p, x, labels, weights, g);
  const f = () => confidenceLoss(p, x, labels, weights);
  for (const k of ["w1", "b1", "w2", "b2"] as const) checkGradient(`confidence ${k}`, p[k], f, g[k]);
});

Deno.test("confidence loss: equals weighted cross-entropy of the logistic (stable for large logits)", () => {
  const p: ConfidenceParams = {
    w1: Float64Array.of(1),
    b1: Float64Array.of(0),
    w2: Float64Array.of(1),
    b2: Float64Array.of(0),
  };
  // z = ReLU(x): 800 saturates exp() without the stable form.
  const loss = confidenceLoss(p, Float64Array.of(2, 800, 0), [1, 0, 0], [1, 1, 1]);
  const expected = -Math.log(1 / (1 + Math.exp(-2))) + 800 + Math.log(2);
  assertAlmostEquals(loss, expected, 1e-9);
});

/** Two Gaussian clouds on the unit sphere with norms that differ, like faces and non-faces. */
function clouds(n: number, dim: number, seed: number) {
  const rng = new Rng(seed);
  const unit = new Float32Array(n * dim), norms = new Float32Array(n), labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const face = i % 3 !== 0;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = rng.normal() + (face && d === 0 ? 2 : 0);
      unit[i * dim + d] = v;
      s += v * v;
    }
    for (let d = 0; d < dim; d++) unit[i * dim + d]! /= Math.sqrt(s);
    norms[i] = Math.exp((face ? 1 : 0) + 0.5 * rng.normal());
    labels.push(face ? 1 : 0);
  }
  return { x: confidenceFeatures(unit, norms, dim), labels };
}

Deno.test("confidence classifier: learns separable clouds, loss falls, same seed → same model", () => {
  const dim = 8, train = clouds(600, dim, 1), test = clouds(300, dim, 2);
  const a = trainConfidenceClassifier(train.x, train.labels, dim + 1, { epochs: 30, seed: 7 });
  const b = trainConfidenceClassifier(train.x, train.labels, dim + 1, { epochs: 30, seed: 7 });
  assertEquals(a.classifier, b.classifier);
  assert(a.lossPerEpoch.at(-1)! < 0.6 * a.lossPerEpoch[0]!, `loss ${a.lossPerEpoch[0]} → ${a.lossPerEpoch.at(-1)}`);
  const scores = confidenceScores(a.classifier, test.x);
  const pos = test.labels.flatMap((y, i) => (y ? [scores[i]!] : []));
  const neg = test.labels.flatMap((y, i) => (y ? [] : [scores[i]!]));
  const auc = rocAuc(pos, neg);
  assert(auc > 0.95, `held-out AUC ${auc}`);
  // A model serialised to JSON scores the same.
  const copy = JSON.parse(JSON.stringify(a.classifier));
  assertEquals(confidenceScores(copy, test.x), scores);
});

Deno.test("confidence classifier: refuses one-class data, non-finite features and rows of the wrong width", () => {
  const { x, labels } = clouds(30, 4, 3);
  assertThrows(() => trainConfidenceClassifier(x, labels.map(() => 1), 5), RangeError, "both");
  const bad = x.slice();
  bad[7] = NaN;
  assertThrows(() => trainConfidenceClassifier(bad, labels, 5), RangeError, "feature 2 of row 1");
  const { classifier } = trainConfidenceClassifier(x, labels, 5, { epochs: 1 });
  assertThrows(() => confidenceScores(classifier, new Float64Array(7)), RangeError, "rows of 5");
});

Deno.test("precision at kept fraction: all kept = the positive share; ranking faces first = 1 until they run out", () => {
  fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), (flags) => {
    const labels = flags.map(Number), n = labels.length;
    const share = labels.reduce((s, v) => s + v, 0) / n;
    const [all] = precisionAtKept(labels.map(() => 0), labels, [1]);
    assertAlmostEquals(all!, share, 1e-12);
    const perfect = precisionAtKept(labels, labels, [share || 1 / n]);
    assertAlmostEquals(perfect[0]!, share > 0 ? 1 : 0, 1e-12);
  }));
});
