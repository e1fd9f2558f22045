/**
 * The training loop of the embedding head over precomputed frozen-backbone features: seeded sampling, margin
 * loss on a cosine classifier, an optimiser and a learning-rate schedule, with a progress line (loss, images/s).
 * @module
 */
import { Rng } from "../algorithms/random/rng.ts";
import {
  cosineMatrix,
  cosineMatrixBackward,
  l2NormalizeBackward,
  l2NormalizeForward,
} from "../algorithms/training/layers.ts";
import {
  marginLoss,
  type MarginLossId,
  type MarginLossOptions,
  updateCurricularT,
} from "../algorithms/training/losses.ts";
import {
  createOptimizer,
  type OptimizerId,
  type OptimizerOptions,
  type Param,
} from "../algorithms/training/optimizers.ts";
import { epochOrder, normalInit, type SamplingId } from "../algorithms/training/sampling.ts";
import { learningRate, type ScheduleId } from "../algorithms/training/schedules.ts";
import { EmbeddingHead, type HeadShape, MOBILEFACENET_HEAD } from "./head.ts";

/** One training setting (a variant of the study). */
export interface TrainConfig extends TrainingRecipe {
  epochs: number;
  sampling?: SamplingId;
  head?: HeadShape;
}

/** The recipe both training modes (head over a frozen backbone, backbone from scratch) share. */
export interface TrainingRecipe {
  loss: MarginLossId;
  lossOptions?: MarginLossOptions;
  optimizer: OptimizerId;
  optimizerOptions?: OptimizerOptions;
  schedule: ScheduleId;
  maxLr: number;
  batch: number;
  seed: number;
}

/** Features of the training crops: n × featureSize, with class labels 0..classes−1 and optional subgroups. */
export interface TrainData {
  features: Float32Array;
  labels: Int32Array;
  classes: number;
  groups?: Int32Array;
  /** Features re-extracted from augmented crops, one array per epoch (same rows as `features`); epoch e uses
   * entry e modulo the count. Without it every epoch sees `features`. */
  featuresByEpoch?: readonly Float32Array[];
}

/** One step's record. */
export interface StepRecord {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
}

/** What training returns. */
export interface TrainResult {
  head: EmbeddingHead;
  steps: StepRecord[];
  /** Training images per second (head forward + backward + update only; features precomputed). */
  imagesPerSecond: number;
  seconds: number;
}

/** A clock in milliseconds (injected so tests and benchmarks can control it). */
export type Clock = () => number;

/**
 * Trains a head from seeded random initialisation.
 *
 * @param data training features and labels
 * @param config the setting
 * @param options `onProgress` gets a one-line status after each step; `clock` defaults to performance.now
 */
export function trainHead(
  data: TrainData,
  config: TrainConfig,
  options: {
    onProgress?: (line: string, record: StepRecord) => void;
    /** Called after each epoch (validation, early stopping). */
    onEpoch?: (head: EmbeddingHead, epoch: number) => void;
    clock?: Clock;
  } = {},
): TrainResult {
  const shape = config.head ?? MOBILEFACENET_HEAD;
  const featureSize = shape.channels * shape.side ** 2;
  const n = data.labels.length;
  if (data.features.length !== n * featureSize) {
    throw new RangeError(`trainHead: ${data.features.length} feature values for ${n} crops of ${featureSize}`);
  }
  if (!(config.batch >= 2)) throw new RangeError(`trainHead: batch must be ≥ 2 (batch norm), got ${config.batch}`);
  const clock = options.clock ?? (() => performance.now());
  const rng = new Rng(config.seed);
  const head = new EmbeddingHead(shape, config.seed);
  const d = shape.embeddingDim;
  const classWeights: Param = {
    name: "class-weights",
    value: normalInit(data.classes * d, { fanIn: d, rng: rng.fork("class-init"), gain: 1 }),
    grad: new Float64Array(data.classes * d),
  };
  const params = [...head.params(), classWeights];
  const optimizer = createOptimizer(config.optimizer, params, config.optimizerOptions);
  const stepsPerEpoch = Math.floor(n / config.batch);
  if (stepsPerEpoch < 1) throw new RangeError(`trainHead: ${n} crops are fewer than one batch of ${config.batch}`);
  const totalSteps = stepsPerEpoch * config.epochs;
  const steps: StepRecord[] = [];
  let curricularT = config.lossOptions?.curricularT ?? 0;
  const batchFeatures = new Float32Array(config.batch * featureSize);
  const batchLabels = new Int32Array(config.batch);
  const start = clock();
  let step = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const order = epochOrder(config.sampling ?? "shuffle", {
      labels: data.labels,
      groups: data.groups,
      rng: rng.fork(`epoch-${epoch}`),
    });
    const source = data.featuresByEpoch?.length
      ? data.featuresByEpoch[epoch % data.featuresByEpoch.length]!
      : data.features;
    for (let s = 0; s < stepsPerEpoch; s++, step++) {
      for (let b = 0; b < config.batch; b++) {
        const i = order[s * config.batch + b]!;
        batchFeatures.set(source.subarray(i * featureSize, (i + 1) * featureSize), b * featureSize);
        batchLabels[b] = data.labels[i]!;
      }
      const { embeddings, cache } = head.forwardTrain(batchFeatures, config.batch);
      const e = l2NormalizeForward(embeddings, d), w = l2NormalizeForward(classWeights.value, d);
      const cos = cosineMatrix(e.y, w.y, d);
      const loss = marginLoss(cos, { labels: batchLabels, id: config.loss, ...config.lossOptions, curricularT });
      const { gradA, gradB } = cosineMatrixBackward(loss.gradCos, { a: e.y, b: w.y, dim: d });
      head.backward(l2NormalizeBackward(gradA, { ...e, dim: d }), cache);
      classWeights.grad.set(l2NormalizeBackward(gradB, { ...w, dim: d }));
      const lr = learningRate(config.schedule, step, { maxLr: config.maxLr, totalSteps });
      optimizer.step(lr);
      if (config.loss === "curricularface") curricularT = updateCurricularT(curricularT, loss.meanTargetCos);
      const record = { step, epoch, loss: loss.loss, lr };
      steps.push(record);
      if (options.onProgress) {
        const rate = ((step + 1) * config.batch * 1000) / Math.max(1e-9, clock() - start);
        options.onProgress(
          `epoch ${epoch + 1}/${config.epochs} step ${step + 1}/${totalSteps} loss ${loss.loss.toFixed(4)} ` +
            `lr ${lr.toExponential(2)} · ${rate.toFixed(0)} images/s`,
          record,
        );
      }
    }
    options.onEpoch?.(head, epoch);
  }
  const seconds = (clock() - start) / 1000;
  return { head, steps, imagesPerSecond: (totalSteps * config.batch) / Math.max(1e-9, seconds), seconds };
}
