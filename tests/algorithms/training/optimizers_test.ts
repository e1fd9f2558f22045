import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import { createOptimizer, type OptimizerId, type Param } from "../../../algorithms/training/optimizers.ts";
import { learningRate } from "../../../algorithms/training/schedules.ts";
import { epochOrder } from "../../../algorithms/training/sampling.ts";
import { Rng } from "../../../algorithms/random/rng.ts";

function param(values: number[], grads: number[], decay = true): Param {
  return { name: "p", value: Float64Array.from(values), grad: Float64Array.from(grads), decay };
}

Deno.test("AdamW: two steps equal the decoupled formula; Adam puts the decay in the gradient instead", () => {
  const lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const p = param([1.5, -2], [0.3, -0.7]);
  const opt = createOptimizer("adamw", [p], { weightDecay: wd, beta1: b1, beta2: b2, eps });
  // Step 1: m̂ = g, v̂ = g², θ ← θ(1 − lr·λ) − lr·g/(|g| + ε).
  opt.step(lr);
  const after1 = [1.5 * (1 - lr * wd) - (lr * 0.3) / (0.3 + eps), -2 * (1 - lr * wd) - (lr * -0.7) / (0.7 + eps)];
  assertAlmostEquals(p.value[0]!, after1[0]!, 1e-15);
  assertAlmostEquals(p.value[1]!, after1[1]!, 1e-15);
  // Step 2 with a new gradient, from the formula with bias corrections.
  const g2 = [0.1, 0.2];
  p.grad.set(g2);
  opt.step(lr);
  const g1 = [0.3, -0.7];
  for (let i = 0; i < 2; i++) {
    const m = b1 * (1 - b1) * g1[i]! + (1 - b1) * g2[i]!, v = b2 * (1 - b2) * g1[i]! ** 2 + (1 - b2) * g2[i]! ** 2;
    const expected = after1[i]! * (1 - lr * wd) - (lr * (m / (1 - b1 ** 2))) / (Math.sqrt(v / (1 - b2 ** 2)) + eps);
    assertAlmostEquals(p.value[i]!, expected, 1e-14);
  }
  // Adam with L2: the decay term passes through the normalisation, so the first step is ±lr whatever λ is.
  const q = param([1.5], [0.3]);
  createOptimizer("adam", [q], { weightDecay: wd }).step(lr);
  assertAlmostEquals(q.value[0]!, 1.5 - lr, 1e-9);
});

Deno.test("SGD with momentum: v ← μv + g + λθ, θ ← θ − lr·v; no decay on parameters marked decay: false", () => {
  const p = param([1], [0.5]), bias = param([1], [0.5], false);
  const opt = createOptimizer("sgd", [p, bias], { momentum: 0.9, weightDecay: 0.1 });
  opt.step(0.1);
  assertAlmostEquals(p.value[0]!, 1 - 0.1 * 0.6, 1e-15);
  assertAlmostEquals(bias.value[0]!, 1 - 0.1 * 0.5, 1e-15);
  const v1 = 0.6, theta1 = p.value[0]!;
  opt.step(0.1);
  assertAlmostEquals(p.value[0]!, theta1 - 0.1 * (0.9 * v1 + 0.5 + 0.1 * theta1), 1e-15);
});

for (const id of ["sgd", "adam", "adamw"] as OptimizerId[]) {
  Deno.test(`${id} minimises a quadratic`, () => {
    const p = param([3, -4], [0, 0]);
    const opt = createOptimizer(id, [p], { weightDecay: 0 });
    for (let t = 0; t < 500; t++) {
      for (let i = 0; i < 2; i++) p.grad[i] = 2 * (p.value[i]! - (i + 1)); // minimum at (1, 2)
      opt.step(0.05);
    }
    assertAlmostEquals(p.value[0]!, 1, 1e-2);
    assertAlmostEquals(p.value[1]!, 2, 1e-2);
  });
}

Deno.test("schedules: one-cycle starts at max/25, peaks at pctStart, ends at max/25e4; cosine and constant", () => {
  const o = { maxLr: 0.1, totalSteps: 101 };
  assertAlmostEquals(learningRate("one-cycle", 0, o), 0.004, 1e-15);
  const peakStep = 0.3 * 101 - 1;
  assertAlmostEquals(learningRate("one-cycle", peakStep, o), 0.1, 1e-12);
  assertAlmostEquals(learningRate("one-cycle", 100, o), 0.004 / 1e4, 1e-15);
  for (let s = 1; s < 100; s++) {
    const [a, b] = [learningRate("one-cycle", s - 1, o), learningRate("one-cycle", s, o)];
    if (s <= peakStep) assert(b > a, `one-cycle should rise at ${s}`);
    else if (s - 1 >= peakStep) assert(b <= a, `one-cycle should fall at ${s}`);
  }
  assertAlmostEquals(learningRate("cosine", 0, o), 0.1, 1e-15);
  assertAlmostEquals(learningRate("cosine", 50, o), 0.05, 1e-12);
  assertAlmostEquals(learningRate("cosine", 100, o), 0, 1e-15);
  assertEquals(learningRate("constant", 77, o), 0.1);
  assertThrows(() => learningRate("cosine", 0, { maxLr: 1, totalSteps: 0 }), RangeError);
});

Deno.test("sampling: seeded; shuffle is a permutation; balanced modes equalise classes or subgroups", () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 90 ? 0 : 1));
  const groups = Int32Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 1 : 0));
  const a = epochOrder("shuffle", { labels, rng: new Rng(3) });
  assertEquals(a, epochOrder("shuffle", { labels, rng: new Rng(3) }));
  assertEquals([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  const cls = epochOrder("class-balanced", { labels, rng: new Rng(4), count: 20000 });
  const share = cls.filter((i) => labels[i] === 1).length / cls.length;
  assertAlmostEquals(share, 0.5, 0.02);
  const sub = epochOrder("subgroup-balanced", { labels, groups, rng: new Rng(5), count: 20000 });
  assertAlmostEquals(sub.filter((i) => groups[i] === 1).length / sub.length, 0.5, 0.02);
  assertThrows(() => epochOrder("subgroup-balanced", { labels, rng: new Rng(1) }), TypeError);
});
