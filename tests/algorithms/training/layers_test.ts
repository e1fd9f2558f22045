import { assertAlmostEquals, assertThrows } from "../../_assert.ts";
import {
  batchNormBackward,
  batchNormForward,
  batchNormInference,
  cosineMatrix,
  cosineMatrixBackward,
  gdconvBackward,
  gdconvForward,
  l2NormalizeBackward,
  l2NormalizeForward,
  linearBackward,
  linearForward,
} from "../../../algorithms/training/layers.ts";
import { checkGradient, dot, randomArray } from "./_gradcheck.ts";

Deno.test("gdconv: output is the per-channel dot product; gradients equal finite differences", () => {
  const shape = { channels: 3, area: 4 }, batch = 2;
  const x = randomArray(batch * 12, 1), weight = randomArray(12, 2);
  const y = gdconvForward(x, weight, shape);
  assertAlmostEquals(y[1 * 3 + 2]!, dot(x.subarray(20, 24), weight.subarray(8, 12)), 1e-12);
  const r = randomArray(y.length, 3);
  const { gradWeight, gradX } = gdconvBackward(x, r, { ...shape, weight, withInput: true });
  checkGradient("gdconv weight", weight, () => dot(gdconvForward(x, weight, shape), r), gradWeight);
  checkGradient("gdconv input", x, () => dot(gdconvForward(x, weight, shape), r), gradX!);
  assertThrows(() => gdconvForward(x, new Float64Array(5), shape), RangeError);
});

Deno.test("linear: gradients of input, weight and bias equal finite differences", () => {
  const batch = 3, inputs = 5, outputs = 4;
  const x = randomArray(batch * inputs, 4), weight = randomArray(outputs * inputs, 5), bias = randomArray(outputs, 6);
  const r = randomArray(batch * outputs, 7);
  const f = () => dot(linearForward(x, weight, bias), r);
  const g = linearBackward(x, r, { weight, batch });
  checkGradient("linear x", x, f, g.gradX);
  checkGradient("linear weight", weight, f, g.gradWeight);
  checkGradient("linear bias", bias, f, g.gradBias);
});

Deno.test("batch norm: zero mean, unit variance per feature; gradients equal finite differences", () => {
  const batch = 6, features = 4;
  const x = randomArray(batch * features, 8, -3, 5);
  const gamma = randomArray(features, 9, 0.5, 2), beta = randomArray(features, 10);
  const ones = new Float64Array(features).fill(1), zeros = new Float64Array(features);
  const { y: plain } = batchNormForward(x, { gamma: ones, beta: zeros, eps: 0 });
  for (let f = 0; f < features; f++) {
    let mean = 0, sq = 0;
    for (let b = 0; b < batch; b++) mean += plain[b * features + f]! / batch;
    for (let b = 0; b < batch; b++) sq += plain[b * features + f]! ** 2 / batch;
    assertAlmostEquals(mean, 0, 1e-12);
    assertAlmostEquals(sq, 1, 1e-9);
  }
  const r = randomArray(batch * features, 11);
  const f = () => dot(batchNormForward(x, { gamma, beta }).y, r);
  const { cache, y } = batchNormForward(x, { gamma, beta });
  const g = batchNormBackward(r, { gamma, cache });
  checkGradient("batchnorm x", x, f, g.gradX);
  checkGradient("batchnorm gamma", gamma, f, g.gradGamma);
  checkGradient("batchnorm beta", beta, f, g.gradBeta);
  // Inference with the batch's own statistics reproduces the training output.
  const same = batchNormInference(x, { gamma, beta, mean: cache.batchMean, variance: cache.batchVar });
  for (let i = 0; i < y.length; i++) assertAlmostEquals(same[i]!, y[i]!, 1e-12);
});

Deno.test("L2 normalisation and the cosine matrix: unit rows; gradients equal finite differences", () => {
  const dim = 5;
  const x = randomArray(3 * dim, 12), w = randomArray(4 * dim, 13);
  const { y, norms } = l2NormalizeForward(x, dim);
  assertAlmostEquals(dot(y.subarray(0, dim), y.subarray(0, dim)), 1, 1e-12);
  const r = randomArray(y.length, 14);
  checkGradient("l2 x", x, () => dot(l2NormalizeForward(x, dim).y, r), l2NormalizeBackward(r, { y, norms, dim }));
  // The whole cosine classifier: normalise both sides, then their dot products.
  const rc = randomArray(12, 15);
  const f = () => dot(cosineMatrix(l2NormalizeForward(x, dim).y, l2NormalizeForward(w, dim).y, dim), rc);
  const a = l2NormalizeForward(x, dim), b = l2NormalizeForward(w, dim);
  const { gradA, gradB } = cosineMatrixBackward(rc, { a: a.y, b: b.y, dim });
  checkGradient("cosine x", x, f, l2NormalizeBackward(gradA, { ...a, dim }));
  checkGradient("cosine w", w, f, l2NormalizeBackward(gradB, { ...b, dim }));
});
