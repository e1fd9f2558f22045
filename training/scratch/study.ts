/**
 * One from-scratch run end to end (`pb train scratch`): a crop dataset split by identity (as the head study
 * does), crops resized to the training resolution, the backbone trained in tfjs on the chosen backend, the
 * weights written into the ONNX graph by the backbone builder (with a Resize from the pipeline's 112×112 crops, so
 * `pb embed --face-model` takes the model unchanged), the exported model checked against tfjs on test crops
 * through the pipeline's own embedder, and verification on the held-out identities.
 * @module
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic } from "../../base/atomic.ts";
import type { RgbImage } from "../../pipeline/image/decode.ts";
import { type BackboneSpec, buildBackbone } from "../../pipeline/onnx/backbone.ts";
import { Embedder, FACE_MODELS } from "../../pipeline/embed/embedder.ts";
import { Rng } from "../../algorithms/random/rng.ts";
import { augmentCrop, CURRICULUM, curriculumStage } from "../augment.ts";
import { loadSplitCrops } from "../data.ts";
import { type SubgroupVerification, verifyByIdentity } from "../evaluate.ts";
import { readCrop } from "../features.ts";
import { type BackendInfo, type ScratchBackend, selectBackend } from "./backend.ts";
import { embedScratch, type ScratchConfig, type ScratchStep, trainScratch } from "./train.ts";

/** Side of the pipeline's aligned face crops. */
export const CROP_SIDE = 112;

/** What to run. */
export interface ScratchStudyOptions {
  dataDir: string;
  outDir: string;
  backend: ScratchBackend;
  config: ScratchConfig;
  /** Crops per identity (seeded choice) [40]. */
  perIdentity?: number;
  /** Shares of identities held out [0.15 validation (unused here, kept out of training), 0.3 test]. */
  valShare?: number;
  testShare?: number;
  /** Bootstrap resamples of test identities [200]. */
  bootstrap?: number;
  /**
   * Augmentation of every batch by the curriculum (training/augment.ts), its stage advancing with the steps:
   * "curriculum" (first three stages, no masks) or "curriculum+masks" (all four; masks need `textures`) ["none"].
   */
  augment?: "none" | "curriculum" | "curriculum+masks";
  /** Mask textures (see loadTextures). */
  textures?: RgbImage[];
  /** The shipped MobileFaceNet, verified on the same test crops for comparison [not run]. */
  shippedModelPath?: string;
  log?: (line: string) => void;
}

/** The run's record (`scratch-report-<backend>.json`). */
export interface ScratchReport {
  backend: BackendInfo;
  spec: BackboneSpec;
  parameters: number;
  config: Omit<ScratchConfig, "spec">;
  augment: "none" | "curriculum" | "curriculum+masks";
  split: { train: string[]; val: string[]; test: string[] };
  crops: { train: number; test: number };
  steps: ScratchStep[];
  loss: { first: number; last: number; firstTenMean: number; lastTenMean: number };
  imagesPerSecond: number;
  steadyImagesPerSecond: number;
  seconds: number;
  /** Largest |ONNX − tfjs| over the embeddings of up to 64 test crops (the exported model through pb embed's
   * Embedder vs the trained net in tfjs). */
  exportMaxAbsDiff: number;
  /** Verification on the test identities with the exported model. */
  test: SubgroupVerification[];
  /** The same with the shipped MobileFaceNet (when asked for). */
  shipped?: SubgroupVerification[];
  modelPath: string;
  loadAverage: number[];
}

/** Normalised RGB ((v − 127.5) / 128, the pipeline's preprocessing of face models given by path), NHWC. */
export function normalisedPixels(crops: readonly RgbImage[]): Float32Array {
  const norm = FACE_MODELS.mobilefacenet!.norm;
  const side = crops[0]?.width ?? CROP_SIDE;
  const out = new Float32Array(crops.length * side * side * 3);
  crops.forEach((c, i) => {
    if (c.width !== side || c.height !== side) throw new RangeError(`crop ${i} is ${c.width}×${c.height}`);
    const o = i * side * side * 3;
    for (let p = 0; p < side * side * 3; p++) out[o + p] = (c.data[p]! - norm.mean[p % 3]!) / norm.std[p % 3]!;
  });
  return out;
}

/**
 * Normalised crops resized to `size` with the same bilinear filter the exported graph's Resize applies
 * (half-pixel centres, no antialiasing).
 */
export async function trainingPixels(crops: readonly RgbImage[], size: number): Promise<Float32Array> {
  const out = new Float32Array(crops.length * size * size * 3);
  for (let s = 0; s < crops.length; s += 64) {
    const part = crops.slice(s, s + 64);
    const side = part[0]!.width;
    const t = tf.tidy(() =>
      tf.image.resizeBilinear(
        tf.tensor4d(normalisedPixels(part), [part.length, side, side, 3]),
        [size, size],
        false,
        true,
      )
    );
    out.set(await t.data(), s * size * size * 3);
    t.dispose();
  }
  return out;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/**
 * Runs one from-scratch study; writes `scratch-<backend>.onnx` and `scratch-report-<backend>.json` into `outDir`
 * and merges the run's speed into `throughput.json` there (one entry per backend: run each backend into the same
 * folder to compare them).
 */
export async function runScratchStudy(options: ScratchStudyOptions): Promise<ScratchReport> {
  const log = options.log ?? (() => {});
  const { config } = options;
  const size = config.spec.inputSize ?? 112;
  const backend = await selectBackend(options.backend);
  log(
    `backend ${backend.backend}: ${backend.device}${
      backend.software ? " — SOFTWARE adapter, timings are not a GPU's" : ""
    }`,
  );
  const { data, split, rows } = await loadSplitCrops(options.dataDir, {
    perIdentity: options.perIdentity,
    valShare: options.valShare,
    testShare: options.testShare,
    seed: config.seed,
  });
  log(
    `${rows.train.length} training crops of ${split.train.length} identities, ${rows.test.length} test crops of ` +
      `${split.test.length}; ${size}×${size} input`,
  );
  const crops = await Promise.all(data.paths.map(readCrop));
  const classOf = new Map(split.train.map((id, k) => [id, k]));
  const trainCrops = rows.train.map((r) => crops[r]!);
  const trainImages = await trainingPixels(trainCrops, size);
  const mode = options.augment ?? "none";
  const stages = mode === "curriculum" ? CURRICULUM.slice(0, 3) : CURRICULUM;
  const augment = mode === "none" ? undefined : async (batchRows: Int32Array, step: number) => {
    const stage = stages[curriculumStage(step, config.steps, stages.length)]!;
    const rng = new Rng(config.seed).fork(`augment-${step}`);
    const out: RgbImage[] = [];
    for (const r of batchRows) out.push(await augmentCrop(trainCrops[r]!, { stage, rng, textures: options.textures }));
    return await trainingPixels(out, size);
  };
  const result = await trainScratch(
    {
      images: trainImages,
      labels: Int32Array.from(rows.train, (r) => classOf.get(data.identity[r]!)!),
      classes: split.train.length,
    },
    config,
    { onProgress: (line) => log(line), syncReads: backend.backend !== "webgpu", augment },
  );
  const { net } = result;
  await Deno.mkdir(options.outDir, { recursive: true });
  const modelPath = join(options.outDir, `scratch-${backend.backend}.onnx`);
  await writeFileAtomic(
    modelPath,
    buildBackbone(config.spec, { weights: await net.onnxWeights(), resizeFrom: CROP_SIDE }).bytes,
  );

  // The exported model through the pipeline's embedder (as pb embed --face-model runs it) vs the net in tfjs.
  const testCrops = rows.test.map((r) => crops[r]!);
  const embedder = await Embedder.load(modelPath, { ...FACE_MODELS.mobilefacenet!, name: "scratch", file: modelPath });
  const onnx = (await embedder.embed(testCrops)).vectors;
  const check = Math.min(64, testCrops.length);
  const ours = await embedScratch(net, await trainingPixels(testCrops.slice(0, check), size));
  let exportMaxAbsDiff = 0;
  for (let i = 0; i < ours.length; i++) exportMaxAbsDiff = Math.max(exportMaxAbsDiff, Math.abs(ours[i]! - onnx[i]!));
  log(`exported ${modelPath}: max |ONNX − tfjs| ${exportMaxAbsDiff.toExponential(2)} over ${check} test crops`);
  const verify = (embeddings: Float32Array) =>
    verifyByIdentity(embeddings, {
      identity: Int32Array.from(rows.test, (r) => data.identity[r]!),
      groupOf: data.identities.map((i) => i.gender),
      bootstrap: options.bootstrap ?? 200,
      seed: config.seed,
    });
  const test = verify(onnx);
  let shipped: SubgroupVerification[] | undefined;
  if (options.shippedModelPath) {
    const mfn = await Embedder.load(options.shippedModelPath, FACE_MODELS.mobilefacenet!);
    shipped = verify((await mfn.embed(testCrops)).vectors);
  }
  const losses = result.steps.map((s) => s.loss);
  const { spec: _spec, ...rest } = config;
  const report: ScratchReport = {
    backend,
    spec: config.spec,
    parameters: net.parameterCount(),
    config: rest,
    augment: mode,
    split: {
      train: split.train.map((k) => data.identities[k]!.id),
      val: split.val.map((k) => data.identities[k]!.id),
      test: split.test.map((k) => data.identities[k]!.id),
    },
    crops: { train: rows.train.length, test: rows.test.length },
    steps: result.steps,
    loss: {
      first: losses[0]!,
      last: losses.at(-1)!,
      firstTenMean: mean(losses.slice(0, 10)),
      lastTenMean: mean(losses.slice(-10)),
    },
    imagesPerSecond: result.imagesPerSecond,
    steadyImagesPerSecond: result.steadyImagesPerSecond,
    seconds: result.seconds,
    exportMaxAbsDiff,
    test,
    ...(shipped ? { shipped } : {}),
    modelPath,
    loadAverage: Deno.loadavg(),
  };
  net.dispose();
  await writeFileAtomic(
    join(options.outDir, `scratch-report-${backend.backend}.json`),
    JSON.stringify(report, null, 2) + "\n",
  );
  await mergeThroughput(join(options.outDir, "throughput.json"), report);
  return report;
}

/** Images/s per backend, one entry per backend (the latest run on it), kept across runs into the same folder. */
async function mergeThroughput(path: string, r: ScratchReport): Promise<void> {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  all[r.backend.backend] = {
    device: r.backend.device,
    software: r.backend.software,
    steps: r.steps.length,
    batch: r.config.batch,
    inputSize: r.spec.inputSize,
    parameters: r.parameters,
    imagesPerSecond: r.imagesPerSecond,
    steadyImagesPerSecond: r.steadyImagesPerSecond,
    lossFirst: r.loss.first,
    lossLast: r.loss.last,
    loadAverage: r.loadAverage,
  };
  await writeFileAtomic(path, JSON.stringify(all, null, 2) + "\n");
}
