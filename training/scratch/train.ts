/**
 * The from-scratch training loop: the backbone ({@link ScratchNet}) and a cosine classifier trained end to end in
 * tfjs with the repo's margin losses (algorithms/training/losses.ts: the loss and dL/dcos are computed there on
 * the batch's cosine matrix and fed back into the tape as a constant, so every variant is exactly the head
 * trainer's), the repo's optimisers (AdamW with decoupled decay, on float64 master copies of the weights) and
 * schedules, seeded initialisation and sampling. Progress reports loss and images/s.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../algorithms/random/rng.ts";
import { marginLoss, updateCurricularT } from "../../algorithms/training/losses.ts";
import { createOptimizer, type Param } from "../../algorithms/training/optimizers.ts";
import { epochOrder, normalInit } from "../../algorithms/training/sampling.ts";
import { learningRate } from "../../algorithms/training/schedules.ts";
import type { BackboneSpec } from "../../pipeline/onnx/backbone.ts";
import { initialWeights, ScratchNet } from "./net.ts";
import type { TrainingRecipe } from "../train.ts";

/** One from-scratch setting. */
export interface ScratchConfig extends TrainingRecipe {
  /** The network; its `inputSize` is the training resolution. */
  spec: BackboneSpec;
  steps: number;
}

/** Training images: n × S × S × 3 normalised RGB (NHWC), labels 0..classes−1. */
export interface ScratchData {
  images: Float32Array;
  labels: Int32Array;
  classes: number;
}

/** One step's record. */
export interface ScratchStep {
  step: number;
  loss: number;
  lr: number;
  /** Seconds since training started, after this step. */
  seconds: number;
}

/** What training returns. */
export interface ScratchResult {
  net: ScratchNet;
  steps: ScratchStep[];
  /** Images per second over all steps (forward, backward, optimiser, weight upload). */
  imagesPerSecond: number;
  /** The same without the first step (tfjs compiles and allocates on it; WebGPU builds its pipelines). */
  steadyImagesPerSecond: number;
  seconds: number;
}

function unitRows(t: tf.Tensor2D): tf.Tensor2D {
  return tf.div(t, tf.maximum(tf.sqrt(tf.sum(tf.square(t), 1, true)), 1e-12));
}

/**
 * Trains the backbone from seeded random initialisation.
 *
 * Backends without synchronous reads (WebGPU) compute the batch's cosines in a first forward pass (batch
 * statistics, running statistics untouched), then the taped pass: one extra forward per step.
 * @param data training images and labels
 * @param config the setting
 * @param options progress line after each step; whether the backend can read synchronously [all but webgpu];
 *   an augmentation of each batch
 */
export async function trainScratch(
  data: ScratchData,
  config: ScratchConfig,
  options: {
    onProgress?: (line: string, record: ScratchStep) => void;
    syncReads?: boolean;
    /** The batch's images from its rows (augmented; seeded by the step), instead of `data.images`' rows. */
    augment?: (rows: Int32Array, step: number) => Promise<Float32Array>;
  } = {},
): Promise<ScratchResult> {
  const size = config.spec.inputSize ?? 112;
  const pixels = size * size * 3;
  const n = data.labels.length;
  if (data.images.length !== n * pixels) {
    throw new RangeError(`trainScratch: ${data.images.length} pixel values for ${n} images of ${size}×${size}×3`);
  }
  if (!(config.batch >= 2) || config.batch > n) {
    throw new RangeError(`trainScratch: batch must be in [2, ${n}] (batch norm; images), got ${config.batch}`);
  }
  const rng = new Rng(config.seed);
  const net = new ScratchNet(config.spec, initialWeights(config.spec, config.seed));
  const dim = config.spec.embedding;
  const classValue = normalInit(data.classes * dim, { fanIn: dim, rng: rng.fork("class-init"), gain: 1 });
  const classVar = tf.variable(tf.tensor2d(Float32Array.from(classValue), [data.classes, dim]), true);
  const netParams = net.parameters();
  const variables = [...netParams.map((p) => p.variable), classVar];
  // Float64 master copies the repo's optimisers update; the float32 variables are refreshed from them.
  const params: Param[] = [
    ...await Promise.all(netParams.map(async (p) => ({
      name: p.info.name,
      value: Float64Array.from(await p.variable.data()),
      grad: new Float64Array(p.variable.size),
      decay: p.decay,
    }))),
    { name: "class-weights", value: classValue, grad: new Float64Array(classValue.length) },
  ];
  const optimizer = createOptimizer(config.optimizer, params, config.optimizerOptions);
  const syncReads = options.syncReads ?? tf.getBackend() !== "webgpu";
  const steps: ScratchStep[] = [];
  let curricularT = config.lossOptions?.curricularT ?? 0;
  let order: Int32Array | number[] = [], cursor = 0, epoch = 0;
  const batchImages = new Float32Array(config.batch * pixels);
  const labels = new Int32Array(config.batch), rows = new Int32Array(config.batch);
  const start = performance.now();
  let firstStepEnd = start;

  const lossOf = (cos: Float64Array) =>
    marginLoss(cos, { labels, id: config.loss, ...config.lossOptions, curricularT });
  const cosines = (x: tf.Tensor4D, updateStats: boolean): tf.Tensor2D =>
    tf.matMul(unitRows(net.forward(x, true, updateStats)), unitRows(classVar), false, true);

  for (let step = 0; step < config.steps; step++) {
    for (let b = 0; b < config.batch; b++) {
      if (cursor >= order.length) {
        order = epochOrder("shuffle", { labels: data.labels, rng: rng.fork(`epoch-${epoch++}`) });
        cursor = 0;
      }
      const i = order[cursor++]!;
      rows[b] = i;
      if (!options.augment) batchImages.set(data.images.subarray(i * pixels, (i + 1) * pixels), b * pixels);
      labels[b] = data.labels[i]!;
    }
    if (options.augment) batchImages.set(await options.augment(rows, step));
    const x = tf.tensor4d(batchImages, [config.batch, size, size, 3]);
    let gradCos: Float32Array | null = null;
    let result: ReturnType<typeof lossOf> | null = null;
    if (!syncReads) {
      const cos = tf.tidy(() => cosines(x, false));
      result = lossOf(Float64Array.from(await cos.data()));
      gradCos = Float32Array.from(result.gradCos);
      cos.dispose();
    }
    const { value, grads } = tf.variableGrads(() => {
      const cos = cosines(x, true);
      if (!gradCos) {
        result = lossOf(Float64Array.from(cos.dataSync()));
        gradCos = Float32Array.from(result.gradCos);
      }
      // Σ cos · dL/dcos: its gradient through the tape is the loss's gradient (dL/dcos is a constant here).
      return tf.sum(tf.mul(cos, tf.tensor2d(gradCos, cos.shape as [number, number])));
    }, variables);
    for (const [k, v] of variables.entries()) {
      const g = grads[v.name];
      params[k]!.grad.set(g ? await g.data() : new Float32Array(v.size));
    }
    tf.dispose([x, value, ...Object.values(grads)]);
    const lr = learningRate(config.schedule, step, { maxLr: config.maxLr, totalSteps: config.steps });
    optimizer.step(lr);
    for (const [k, v] of variables.entries()) {
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(params[k]!.value), v.shape)));
    }
    const r = result!;
    if (config.loss === "curricularface") curricularT = updateCurricularT(curricularT, r.meanTargetCos);
    const now = performance.now();
    if (step === 0) firstStepEnd = now;
    const record = { step, loss: r.loss, lr, seconds: (now - start) / 1000 };
    steps.push(record);
    if (options.onProgress) {
      const rate = ((step + 1) * config.batch * 1000) / Math.max(1e-9, now - start);
      options.onProgress(
        `step ${step + 1}/${config.steps} loss ${r.loss.toFixed(4)} lr ${lr.toExponential(2)} · ` +
          `${rate.toFixed(1)} images/s`,
        record,
      );
    }
  }
  classVar.dispose();
  const seconds = (performance.now() - start) / 1000;
  const steady = (performance.now() - firstStepEnd) / 1000;
  return {
    net,
    steps,
    seconds,
    imagesPerSecond: (config.steps * config.batch) / Math.max(1e-9, seconds),
    steadyImagesPerSecond: config.steps > 1 ? ((config.steps - 1) * config.batch) / Math.max(1e-9, steady) : NaN,
  };
}

/**
 * The net's embeddings (L2-normalised, inference mode: running batch-norm statistics) of images in batches.
 * @param images n × S × S × 3 normalised RGB
 * @returns n × embedding, unit rows
 */
export async function embedScratch(net: ScratchNet, images: Float32Array, batch = 32): Promise<Float32Array> {
  const size = net.inputSize, pixels = size * size * 3, n = images.length / pixels;
  const dim = net.spec.embedding;
  const out = new Float32Array(n * dim);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(n, s + batch);
    const y = tf.tidy(() =>
      unitRows(net.forward(tf.tensor4d(images.subarray(s * pixels, e * pixels), [e - s, size, size, 3]), false))
    );
    out.set(await y.data(), s * dim);
    y.dispose();
  }
  return out;
}
