import { assert, assertEquals } from "../_assert.ts";
import { checkGradient, randomArray } from "../algorithms/training/_gradcheck.ts";
import {
  cosineMatrix,
  cosineMatrixBackward,
  l2NormalizeBackward,
  l2NormalizeForward,
} from "../../algorithms/training/layers.ts";
import { marginLoss } from "../../algorithms/training/losses.ts";
import { EmbeddingHead } from "../../training/head.ts";
import { trainHead } from "../../training/train.ts";
import { Rng } from "../../algorithms/random/rng.ts";

const SHAPE = { channels: 3, side: 2, embeddingDim: 4 };

Deno.test("head + cosine classifier + ArcFace: backpropagated gradients equal finite differences", () => {
  const batch = 5, classes = 3, d = SHAPE.embeddingDim;
  const head = new EmbeddingHead(SHAPE, 1);
  head.gamma.value.set(randomArray(d, 2, 0.5, 1.5));
  head.beta.value.set(randomArray(d, 3));
  const x = randomArray(batch * 12, 4);
  const classWeights = randomArray(classes * d, 5);
  const labels = new Int32Array([0, 1, 2, 1, 0]);
  const lossOf = () => {
    const { embeddings } = head.forwardTrain(x, batch);
    const cos = cosineMatrix(l2NormalizeForward(embeddings, d).y, l2NormalizeForward(classWeights, d).y, d);
    return marginLoss(cos, { labels, id: "arcface", scale: 8 }).loss;
  };
  const { embeddings, cache } = head.forwardTrain(x, batch);
  const e = l2NormalizeForward(embeddings, d), w = l2NormalizeForward(classWeights, d);
  const { gradCos } = marginLoss(cosineMatrix(e.y, w.y, d), { labels, id: "arcface", scale: 8 });
  const { gradA, gradB } = cosineMatrixBackward(gradCos, { a: e.y, b: w.y, dim: d });
  head.backward(l2NormalizeBackward(gradA, { ...e, dim: d }), cache);
  for (const p of head.params()) checkGradient(p.name, p.value, lossOf, Float64Array.from(p.grad));
  checkGradient("class weights", classWeights, lossOf, l2NormalizeBackward(gradB, { ...w, dim: d }));
});

/** Features of `classes` well-separated clusters plus noise. */
function syntheticData(n: number, classes: number, seed: number) {
  const rng = new Rng(seed), size = 12;
  const centres = Float64Array.from({ length: classes * size }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const features = Float32Array.from({ length: n * size }, (_, k) => {
    const i = Math.floor(k / size), c = labels[i]!;
    return centres[c * size + (k % size)]! + 0.3 * rng.normal();
  });
  return { features, labels, classes };
}

Deno.test("trainHead: loss goes down on separable data; the same seed gives the same weights", () => {
  const data = syntheticData(120, 4, 9);
  const config = {
    loss: "arcface" as const,
    lossOptions: { scale: 16, margin: 0.2 },
    optimizer: "adamw" as const,
    schedule: "one-cycle" as const,
    maxLr: 0.05,
    epochs: 6,
    batch: 20,
    seed: 3,
    head: SHAPE,
  };
  const lines: string[] = [];
  const a = trainHead(data, config, { onProgress: (line) => lines.push(line) });
  const first = a.steps.slice(0, 6).reduce((s, r) => s + r.loss, 0),
    last = a.steps.slice(-6).reduce((s, r) => s + r.loss, 0);
  assert(last < 0.5 * first, `loss should fall: ${first / 6} → ${last / 6}`);
  assert(/loss \d+\.\d{4} lr .* images\/s$/.test(lines.at(-1)!), lines.at(-1));
  const b = trainHead(data, config);
  assertEquals(a.head.weight.value, b.head.weight.value);
  const c = trainHead(data, { ...config, seed: 4 });
  assert(c.head.weight.value[0] !== a.head.weight.value[0]);
});
