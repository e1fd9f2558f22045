/**
 * Layers written by hand for the embedding head, each a forward function and a backward function on flat
 * row-major `Float64Array`s (batch first). Backward functions take the gradient of the output and return the
 * gradients of the input and the parameters; tests check each against finite differences.
 * @module
 */

/** Shape of a global depthwise convolution: `channels` filters, each over an `area` = k×k map. */
export interface GdconvShape {
  channels: number;
  area: number;
}

/**
 * Global depthwise convolution ("GDConv", MobileFaceNet's head): one k×k filter per channel applied once over
 * the whole k×k map, so each channel collapses to one number. `x` is batch × channels × area (NCHW),
 * `weight` channels × area; returns batch × channels.
 */
export function gdconvForward(x: ArrayLike<number>, weight: Float64Array, shape: GdconvShape): Float64Array {
  const { channels, area } = shape;
  if (weight.length !== channels * area) throw new RangeError(`gdconv: weight has ${weight.length} values`);
  const batch = x.length / (channels * area);
  if (!Number.isInteger(batch)) {
    throw new RangeError(`gdconv: input of ${x.length} values is not batch × ${channels} × ${area}`);
  }
  const y = new Float64Array(batch * channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const xo = (b * channels + c) * area, wo = c * area;
      let acc = 0;
      for (let k = 0; k < area; k++) acc += x[xo + k]! * weight[wo + k]!;
      y[b * channels + c] = acc;
    }
  }
  return y;
}

/**
 * GDConv's backward pass. `gradX` is computed only when `withInput` (a frozen backbone needs none).
 */
export function gdconvBackward(
  x: ArrayLike<number>,
  gradY: Float64Array,
  options: GdconvShape & { weight: Float64Array; withInput?: boolean },
): { gradWeight: Float64Array; gradX?: Float64Array } {
  const { channels, area, weight } = options;
  const batch = gradY.length / channels;
  const gradWeight = new Float64Array(channels * area);
  const gradX = options.withInput ? new Float64Array(x.length) : undefined;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const g = gradY[b * channels + c]!;
      const xo = (b * channels + c) * area, wo = c * area;
      for (let k = 0; k < area; k++) gradWeight[wo + k]! += g * x[xo + k]!;
      if (gradX) { for (let k = 0; k < area; k++) gradX[xo + k] = g * weight[wo + k]!; }
    }
  }
  return gradX ? { gradWeight, gradX } : { gradWeight };
}

/** Fully connected layer y = x·Wᵀ + b: `x` batch × inputs, `weight` outputs × inputs, `bias` outputs. */
export function linearForward(x: Float64Array, weight: Float64Array, bias: Float64Array): Float64Array {
  const outputs = bias.length, inputs = weight.length / outputs;
  const batch = x.length / inputs;
  if (!Number.isInteger(inputs) || !Number.isInteger(batch)) {
    throw new RangeError(`linear: shapes do not agree (x ${x.length}, weight ${weight.length}, bias ${outputs})`);
  }
  const y = new Float64Array(batch * outputs);
  for (let b = 0; b < batch; b++) {
    const xo = b * inputs;
    for (let o = 0; o < outputs; o++) {
      const wo = o * inputs;
      let acc = bias[o]!;
      for (let i = 0; i < inputs; i++) acc += x[xo + i]! * weight[wo + i]!;
      y[b * outputs + o] = acc;
    }
  }
  return y;
}

/** The linear layer's backward pass for a batch of `batch` rows. */
export function linearBackward(
  x: Float64Array,
  gradY: Float64Array,
  options: { weight: Float64Array; batch: number },
): { gradX: Float64Array; gradWeight: Float64Array; gradBias: Float64Array } {
  const { weight, batch } = options;
  const inputs = x.length / batch, outputs = gradY.length / batch;
  const gradX = new Float64Array(x.length);
  const gradWeight = new Float64Array(weight.length);
  const gradBias = new Float64Array(outputs);
  for (let b = 0; b < batch; b++) {
    const xo = b * inputs;
    for (let o = 0; o < outputs; o++) {
      const g = gradY[b * outputs + o]!;
      if (g === 0) continue;
      gradBias[o]! += g;
      const wo = o * inputs;
      for (let i = 0; i < inputs; i++) {
        gradWeight[wo + i]! += g * x[xo + i]!;
        gradX[xo + i]! += g * weight[wo + i]!;
      }
    }
  }
  return { gradX, gradWeight, gradBias };
}

/** What batch norm's training forward pass keeps for its backward pass. */
export interface BatchNormCache {
  normalized: Float64Array;
  invStd: Float64Array;
  batchMean: Float64Array;
  batchVar: Float64Array;
}

/**
 * Batch normalisation over the batch axis of `x` (batch × features), training mode: batch statistics
 * (biased variance), y = γ·x̂ + β. The caller updates its running statistics from `batchMean`/`batchVar`.
 */
export function batchNormForward(
  x: Float64Array,
  options: { gamma: Float64Array; beta: Float64Array; eps?: number },
): { y: Float64Array; cache: BatchNormCache } {
  const { gamma, beta } = options;
  const eps = options.eps ?? 1e-5;
  const features = gamma.length, batch = x.length / features;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`batchNorm: ${x.length} values for ${features} features`);
  }
  const batchMean = new Float64Array(features),
    batchVar = new Float64Array(features),
    invStd = new Float64Array(features);
  for (let b = 0; b < batch; b++) for (let f = 0; f < features; f++) batchMean[f]! += x[b * features + f]! / batch;
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < features; f++) {
      const d = x[b * features + f]! - batchMean[f]!;
      batchVar[f]! += (d * d) / batch;
    }
  }
  for (let f = 0; f < features; f++) invStd[f] = 1 / Math.sqrt(batchVar[f]! + eps);
  const normalized = new Float64Array(x.length), y = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < features; f++) {
      const i = b * features + f;
      normalized[i] = (x[i]! - batchMean[f]!) * invStd[f]!;
      y[i] = gamma[f]! * normalized[i]! + beta[f]!;
    }
  }
  return { y, cache: { normalized, invStd, batchMean, batchVar } };
}

/** Batch norm in inference mode: running statistics, y = γ·(x − μ)/√(σ² + ε) + β. */
export function batchNormInference(
  x: Float64Array,
  options: { gamma: Float64Array; beta: Float64Array; mean: Float64Array; variance: Float64Array; eps?: number },
): Float64Array {
  const { gamma, beta, mean, variance } = options;
  const eps = options.eps ?? 1e-5;
  const features = gamma.length, y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const f = i % features;
    y[i] = (gamma[f]! * (x[i]! - mean[f]!)) / Math.sqrt(variance[f]! + eps) + beta[f]!;
  }
  return y;
}

/** Batch norm's backward pass (training mode, through the batch statistics). */
export function batchNormBackward(
  gradY: Float64Array,
  options: { gamma: Float64Array; cache: BatchNormCache },
): { gradX: Float64Array; gradGamma: Float64Array; gradBeta: Float64Array } {
  const { gamma, cache } = options;
  const features = gamma.length, batch = gradY.length / features;
  const gradGamma = new Float64Array(features), gradBeta = new Float64Array(features);
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < features; f++) {
      const i = b * features + f;
      gradGamma[f]! += gradY[i]! * cache.normalized[i]!;
      gradBeta[f]! += gradY[i]!;
    }
  }
  // dx = γ/(B·σ) · (B·dy − Σdy − x̂·Σ(dy·x̂))
  const gradX = new Float64Array(gradY.length);
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < features; f++) {
      const i = b * features + f;
      gradX[i] = ((gamma[f]! * cache.invStd[f]!) / batch) *
        (batch * gradY[i]! - gradBeta[f]! - cache.normalized[i]! * gradGamma[f]!);
    }
  }
  return { gradX, gradGamma, gradBeta };
}

/** Rows of `x` (rows × dim) scaled to unit length; also returns each row's norm for the backward pass. */
export function l2NormalizeForward(x: Float64Array, dim: number): { y: Float64Array; norms: Float64Array } {
  const rows = x.length / dim;
  const y = new Float64Array(x.length), norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let k = 0; k < dim; k++) ss += x[r * dim + k]! ** 2;
    const n = Math.sqrt(ss) || 1e-12;
    norms[r] = n;
    for (let k = 0; k < dim; k++) y[r * dim + k] = x[r * dim + k]! / n;
  }
  return { y, norms };
}

/** L2 normalisation's backward pass: dx = (dy − y·(y·dy)) / ‖x‖. */
export function l2NormalizeBackward(
  gradY: Float64Array,
  options: { y: Float64Array; norms: Float64Array; dim: number },
): Float64Array {
  const { y, norms, dim } = options;
  const gradX = new Float64Array(gradY.length);
  for (let r = 0; r < norms.length; r++) {
    let dot = 0;
    for (let k = 0; k < dim; k++) dot += y[r * dim + k]! * gradY[r * dim + k]!;
    for (let k = 0; k < dim; k++) gradX[r * dim + k] = (gradY[r * dim + k]! - y[r * dim + k]! * dot) / norms[r]!;
  }
  return gradX;
}

/** Cosines between unit rows `a` (n × dim) and unit rows `b` (m × dim): n × m. */
export function cosineMatrix(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const n = a.length / dim, m = b.length / dim;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < dim; k++) acc += a[i * dim + k]! * b[j * dim + k]!;
      out[i * m + j] = acc;
    }
  }
  return out;
}

/** Backward of `cosineMatrix`: gradients of `a` and `b` given that of the n × m output. */
export function cosineMatrixBackward(
  gradOut: Float64Array,
  options: { a: Float64Array; b: Float64Array; dim: number },
): { gradA: Float64Array; gradB: Float64Array } {
  const { a, b, dim } = options;
  const n = a.length / dim, m = b.length / dim;
  const gradA = new Float64Array(a.length), gradB = new Float64Array(b.length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const g = gradOut[i * m + j]!;
      if (g === 0) continue;
      for (let k = 0; k < dim; k++) {
        gradA[i * dim + k]! += g * b[j * dim + k]!;
        gradB[j * dim + k]! += g * a[i * dim + k]!;
      }
    }
  }
  return { gradA, gradB };
}
