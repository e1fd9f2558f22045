/**
 * The confidence branch (the article's uncertainty head): a small classifier that says whether a crop is a
 * clear face, trained on the embedding network's own output — the unit direction and the log of the raw
 * norm, which the pipeline already computes for every face — so it scores faces at ingest for free.
 * One hidden ReLU layer, a logit, binary cross-entropy with classes weighted to balance, AdamW.
 * @module
 */
import { Rng } from "../random/rng.ts";
import { linearBackward, linearForward } from "./layers.ts";
import { createOptimizer, type Param } from "./optimizers.ts";

/** A trained classifier; plain arrays so that it round-trips through JSON. */
export interface ConfidenceClassifier {
  /** Input features per crop (embedding dimension + 1). */
  inputs: number;
  hidden: number;
  /** Standardisation fitted on the training rows. */
  mean: number[];
  std: number[];
  /** hidden × inputs, hidden, 1 × hidden, 1. */
  w1: number[];
  b1: number[];
  w2: number[];
  b2: number[];
}

/**
 * Feature rows: each unit embedding followed by log(raw norm), the cue that drops for non-faces.
 * @param unit n × dim unit rows
 * @param norms the n raw norms
 * @param dim embedding dimension
 * @returns n × (dim + 1)
 */
export function confidenceFeatures(unit: ArrayLike<number>, norms: ArrayLike<number>, dim: number): Float64Array {
  const n = norms.length;
  if (unit.length !== n * dim) {
    throw new RangeError(`confidence features: ${unit.length} values are not ${n} rows of ${dim}`);
  }
  const x = new Float64Array(n * (dim + 1));
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) x[i * (dim + 1) + d] = unit[i * dim + d]!;
    x[i * (dim + 1) + dim] = Math.log(Math.max(1e-6, norms[i]!));
  }
  return x;
}

/** The classifier's trainable tensors (shared by training, the loss and the gradient check). */
export interface ConfidenceParams {
  w1: Float64Array;
  b1: Float64Array;
  w2: Float64Array;
  b2: Float64Array;
}

function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

function forward(p: ConfidenceParams, x: Float64Array): { h: Float64Array; z: Float64Array } {
  const h = linearForward(x, p.w1, p.b1);
  for (let i = 0; i < h.length; i++) if (h[i]! < 0) h[i] = 0;
  return { h, z: linearForward(h, p.w2, p.b2) };
}

/**
 * Weighted binary cross-entropy of the logits and its gradients (added into `grads` when given).
 * @param p parameters
 * @param x batch × inputs standardised features
 * @param labels 1 = clear face, 0 = not
 * @param weights per-row weights (they sum to the batch's share of the loss)
 * @param grads receives d loss / d parameter
 * @returns the loss
 */
export function confidenceLoss(
  p: ConfidenceParams,
  x: Float64Array,
  labels: ArrayLike<number>,
  weights: ArrayLike<number>,
  grads?: ConfidenceParams,
): number {
  const batch = labels.length;
  const { h, z } = forward(p, x);
  let loss = 0;
  const gz = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    const y = labels[b]!, w = weights[b]!;
    // −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y·z
    loss += w * (softplus(z[b]!) - y * z[b]!);
    gz[b] = w * (logistic(z[b]!) - y);
  }
  if (grads) {
    const out = linearBackward(h, gz, { weight: p.w2, batch });
    addInto(grads.w2, out.gradWeight);
    addInto(grads.b2, out.gradBias);
    const gh = out.gradX;
    for (let i = 0; i < gh.length; i++) if (h[i]! <= 0) gh[i] = 0;
    const inner = linearBackward(x, gh, { weight: p.w1, batch });
    addInto(grads.w1, inner.gradWeight);
    addInto(grads.b1, inner.gradBias);
  }
  return loss;
}

function addInto(dst: Float64Array, src: Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i]! += src[i]!;
}

/** Training settings; every default is the one the study uses. */
export interface ConfidenceTrainOptions {
  hidden?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  weightDecay?: number;
  seed?: number;
}

/**
 * Trains the classifier on labelled feature rows; the classes are weighted so each carries half the loss.
 * @param x n × inputs features ({@link confidenceFeatures})
 * @param labels n labels, 1 = clear face
 * @param inputs features per row
 * @param options sizes and schedule
 * @returns the trained classifier and its mean loss per epoch
 * @throws {RangeError} when a class is missing or a feature is not finite
 */
export function trainConfidenceClassifier(
  x: Float64Array,
  labels: ArrayLike<number>,
  inputs: number,
  options: ConfidenceTrainOptions = {},
): { classifier: ConfidenceClassifier; lossPerEpoch: number[] } {
  const hidden = options.hidden ?? 32, epochs = options.epochs ?? 60, batchSize = options.batch ?? 64;
  const lr = options.lr ?? 3e-3, rng = new Rng(options.seed ?? 1);
  const n = labels.length;
  if (x.length !== n * inputs) throw new RangeError(`confidence: ${x.length} values are not ${n} rows of ${inputs}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new RangeError(`confidence: feature ${i % inputs} of row ${(i / inputs) | 0} is not finite`);
    }
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]! ? 1 : 0;
  if (positives === 0 || positives === n) throw new RangeError("confidence: training needs both faces and non-faces");
  const { mean, std } = standardiser(x, n, inputs);
  const xs = standardise(x, mean, std);
  const rowWeight = Array.from({ length: n }, (_, i) => (labels[i]! ? 0.5 / positives : 0.5 / (n - positives)));

  // He initialisation for the ReLU layer, small output layer.
  const p: ConfidenceParams = {
    w1: Float64Array.from({ length: hidden * inputs }, () => rng.normal() * Math.sqrt(2 / inputs)),
    b1: new Float64Array(hidden),
    w2: Float64Array.from({ length: hidden }, () => rng.normal() * Math.sqrt(1 / hidden)),
    b2: new Float64Array(1),
  };
  const g: ConfidenceParams = {
    w1: new Float64Array(p.w1.length),
    b1: new Float64Array(hidden),
    w2: new Float64Array(hidden),
    b2: new Float64Array(1),
  };
  const params: Param[] = [
    { name: "w1", value: p.w1, grad: g.w1 },
    { name: "b1", value: p.b1, grad: g.b1, decay: false },
    { name: "w2", value: p.w2, grad: g.w2 },
    { name: "b2", value: p.b2, grad: g.b2, decay: false },
  ];
  const optimizer = createOptimizer("adamw", params, { weightDecay: options.weightDecay ?? 0.01 });
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const lossPerEpoch: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let epochLoss = 0;
    for (let start = 0; start < n; start += batchSize) {
      const rows = order.subarray(start, Math.min(n, start + batchSize));
      const xb = new Float64Array(rows.length * inputs);
      rows.forEach((r, b) => xb.set(xs.subarray(r * inputs, (r + 1) * inputs), b * inputs));
      // Batch weights rescaled so every step sees a loss of the same size whatever the batch's mix.
      const share = rows.length / n;
      const yb = Array.from(rows, (r) => labels[r]!), wb = Array.from(rows, (r) => rowWeight[r]! / share);
      for (const t of params) t.grad.fill(0);
      epochLoss += share * confidenceLoss(p, xb, yb, wb, g);
      optimizer.step(lr);
    }
    lossPerEpoch.push(epochLoss);
  }
  return {
    classifier: {
      inputs,
      hidden,
      mean: Array.from(mean),
      std: Array.from(std),
      w1: Array.from(p.w1),
      b1: Array.from(p.b1),
      w2: Array.from(p.w2),
      b2: Array.from(p.b2),
    },
    lossPerEpoch,
  };
}

function standardiser(x: Float64Array, n: number, inputs: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(inputs), std = new Float64Array(inputs);
  for (let i = 0; i < n; i++) for (let d = 0; d < inputs; d++) mean[d]! += x[i * inputs + d]! / n;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < inputs; d++) std[d]! += (x[i * inputs + d]! - mean[d]!) ** 2 / n;
  }
  for (let d = 0; d < inputs; d++) std[d] = Math.sqrt(std[d]!) || 1;
  return { mean, std };
}

function standardise(x: Float64Array, mean: ArrayLike<number>, std: ArrayLike<number>): Float64Array {
  const inputs = mean.length, out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i]! - mean[i % inputs]!) / std[i % inputs]!;
  return out;
}

/**
 * Probability that each row is a clear face.
 * @param classifier a trained classifier
 * @param x n × inputs features ({@link confidenceFeatures})
 * @returns n probabilities in [0, 1]
 * @throws {RangeError} when the rows do not have the classifier's width
 */
export function confidenceScores(classifier: ConfidenceClassifier, x: Float64Array): Float64Array {
  const { inputs } = classifier;
  if (x.length % inputs !== 0) {
    throw new RangeError(`confidence: ${x.length} values are not rows of ${inputs} (wrong embedding model?)`);
  }
  const p: ConfidenceParams = {
    w1: Float64Array.from(classifier.w1),
    b1: Float64Array.from(classifier.b1),
    w2: Float64Array.from(classifier.w2),
    b2: Float64Array.from(classifier.b2),
  };
  const { z } = forward(p, standardise(x, classifier.mean, classifier.std));
  return z.map(logistic);
}

/**
 * Precision of the kept crops when only the `fraction` with the highest scores is kept, for each fraction
 * (ties broken by order, so the curve is deterministic).
 * @param scores higher = more face-like
 * @param labels 1 = clear face
 * @param fractions kept fractions in (0, 1]
 * @returns the precision at each fraction
 */
export function precisionAtKept(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  fractions: readonly number[],
): number[] {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return fractions.map((f) => {
    const kept = Math.max(1, Math.round(f * n));
    let good = 0;
    for (let k = 0; k < kept; k++) good += labels[order[k]!]! ? 1 : 0;
    return good / kept;
  });
}
