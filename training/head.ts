/**
 * The embedding head trained over a frozen backbone: GDConv (global depthwise k×k) → linear → batch norm,
 * as MobileFaceNet's own head, with forward and backward passes from algorithms/training and seeded init.
 * @module
 */
import { Rng } from "../algorithms/random/rng.ts";
import {
  batchNormBackward,
  type BatchNormCache,
  batchNormForward,
  batchNormInference,
  gdconvBackward,
  gdconvForward,
  linearBackward,
  linearForward,
} from "../algorithms/training/layers.ts";
import type { Param } from "../algorithms/training/optimizers.ts";
import { normalInit } from "../algorithms/training/sampling.ts";

/** Shape of the head: backbone channels × map area in, embedding dimension out. */
export interface HeadShape {
  channels: number;
  /** Side of the square feature map (7 for MobileFaceNet at 112×112). */
  side: number;
  embeddingDim: number;
}

/** MobileFaceNet's feature map (512×7×7) into a 128-d embedding. */
export const MOBILEFACENET_HEAD: HeadShape = { channels: 512, side: 7, embeddingDim: 128 };

/** Batch norm's epsilon (also written into the exported graph). */
export const BN_EPS = 1e-5;
/** Momentum of batch norm's running statistics (PyTorch's convention: new = (1 − m)·old + m·batch). */
const BN_MOMENTUM = 0.1;

/** What a training forward pass keeps for backward. */
export interface HeadCache {
  features: ArrayLike<number>;
  pooled: Float64Array;
  bn: BatchNormCache;
  batch: number;
}

/** The head's weights: trainable tensors plus batch norm's running statistics. */
export class EmbeddingHead {
  readonly gdconv: Param;
  readonly weight: Param;
  readonly bias: Param;
  readonly gamma: Param;
  readonly beta: Param;
  readonly runningMean: Float64Array;
  readonly runningVar: Float64Array;

  /** Seeded He-normal init for the GDConv and linear weights; zero bias, γ = 1, β = 0. */
  constructor(readonly shape: HeadShape, seed: number) {
    const rng = new Rng(seed).fork("head-init");
    const { channels, side, embeddingDim: d } = shape;
    const area = side * side;
    const param = (name: string, value: Float64Array, decay = true): Param => ({
      name,
      value,
      grad: new Float64Array(value.length),
      decay,
    });
    this.gdconv = param("gdconv", normalInit(channels * area, { fanIn: area, rng, gain: 1 }));
    this.weight = param("linear", normalInit(d * channels, { fanIn: channels, rng }));
    this.bias = param("linear-bias", new Float64Array(d), false);
    this.gamma = param("bn-gamma", new Float64Array(d).fill(1), false);
    this.beta = param("bn-beta", new Float64Array(d), false);
    this.runningMean = new Float64Array(d);
    this.runningVar = new Float64Array(d).fill(1);
  }

  /** Trainable tensors, for an optimiser. */
  params(): Param[] {
    return [this.gdconv, this.weight, this.bias, this.gamma, this.beta];
  }

  /** Training forward pass on `batch` feature maps (batch × channels × side²): raw embeddings (batch × d). */
  forwardTrain(features: ArrayLike<number>, batch: number): { embeddings: Float64Array; cache: HeadCache } {
    const area = this.shape.side ** 2;
    const pooled = gdconvForward(features, this.gdconv.value, { channels: this.shape.channels, area });
    const hidden = linearForward(pooled, this.weight.value, this.bias.value);
    const { y, cache: bn } = batchNormForward(hidden, { gamma: this.gamma.value, beta: this.beta.value, eps: BN_EPS });
    // Running statistics: unbiased batch variance, as PyTorch keeps them.
    const unbias = batch > 1 ? batch / (batch - 1) : 1;
    for (let f = 0; f < this.runningMean.length; f++) {
      this.runningMean[f] = (1 - BN_MOMENTUM) * this.runningMean[f]! + BN_MOMENTUM * bn.batchMean[f]!;
      this.runningVar[f] = (1 - BN_MOMENTUM) * this.runningVar[f]! + BN_MOMENTUM * bn.batchVar[f]! * unbias;
    }
    return { embeddings: y, cache: { features, pooled, bn, batch } };
  }

  /** Accumulates parameter gradients (overwriting them) from the gradient of the raw embeddings. */
  backward(gradEmbeddings: Float64Array, cache: HeadCache): void {
    const bn = batchNormBackward(gradEmbeddings, { gamma: this.gamma.value, cache: cache.bn });
    this.gamma.grad.set(bn.gradGamma);
    this.beta.grad.set(bn.gradBeta);
    const lin = linearBackward(cache.pooled, bn.gradX, { weight: this.weight.value, batch: cache.batch });
    this.weight.grad.set(lin.gradWeight);
    this.bias.grad.set(lin.gradBias);
    const area = this.shape.side ** 2;
    const gd = gdconvBackward(cache.features, lin.gradX, {
      channels: this.shape.channels,
      area,
      weight: this.gdconv.value,
    });
    this.gdconv.grad.set(gd.gradWeight);
  }

  /** Inference forward pass (batch norm on running statistics): raw embeddings, batch × d. */
  embed(features: ArrayLike<number>): Float64Array {
    const area = this.shape.side ** 2;
    const pooled = gdconvForward(features, this.gdconv.value, { channels: this.shape.channels, area });
    const hidden = linearForward(pooled, this.weight.value, this.bias.value);
    return batchNormInference(hidden, {
      gamma: this.gamma.value,
      beta: this.beta.value,
      mean: this.runningMean,
      variance: this.runningVar,
      eps: BN_EPS,
    });
  }
}
