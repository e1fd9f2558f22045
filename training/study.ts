/**
 * One training run end to end on a crop dataset: identity-disjoint split, frozen-backbone features, head
 * training with validation-based early stopping, verification on the test identities (the trained head and the
 * shipped MobileFaceNet on the same crops), and the head exported to ONNX.
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../base/atomic.ts";
import { Embedder, FACE_MODELS } from "../pipeline/embed/embedder.ts";
import { loadSplitCrops } from "./data.ts";
import { extractFeatures, FEATURE_SIZE, loadBackbone, readCrop } from "./features.ts";
import { exportHeadModel } from "./export.ts";
import type { EmbeddingHead } from "./head.ts";
import { type StepRecord, type TrainConfig, type TrainData, trainHead } from "./train.ts";
import { augmentCrop, CURRICULUM, curriculumStage, loadTextures, texturePools } from "./augment.ts";
import { syntheticMask } from "../algorithms/training/augment.ts";
import { Rng } from "../algorithms/random/rng.ts";
import type { RgbImage } from "../pipeline/image/decode.ts";
import {
  clusterByIdentity,
  type SubgroupClustering,
  type SubgroupVerification,
  tuneClusterThreshold,
  unitRows,
  verifyByIdentity,
} from "./evaluate.ts";

/** What to run. */
export interface StudyOptions {
  /** Crop dataset folder (identities.csv + images/<identity>/). */
  dataDir: string;
  /** MobileFaceNet ONNX file (the frozen backbone and the shipped baseline). */
  modelPath: string;
  /** Where the report, the exported model and the cut backbone go. */
  outDir: string;
  config: TrainConfig;
  /** Crops per identity (seeded choice). Default 40. */
  perIdentity?: number;
  /** Shares of identities held out. Default 0.15 validation, 0.3 test. */
  valShare?: number;
  testShare?: number;
  /** Bootstrap resamples of test identities. Default 200. */
  bootstrap?: number;
  /**
   * Augmentation: "none"; "curriculum" (crops augmented by the curriculum's stage for each epoch and features
   * re-extracted, masks left out); "curriculum+masks" (the full curriculum). With `texturesFrom`, test crops are
   * also evaluated under synthetic masks cut from a held-out texture pool. Default "none".
   */
  augment?: "none" | "curriculum" | "curriculum+masks";
  /** Folder of group photos for mask textures (alternate files train / test); and the YOLOX model. */
  texturesFrom?: { photos: string; yoloxPath: string };
  /** A file caching the un-augmented features of the chosen crops (reused when it matches). */
  featureCache?: string;
  /** One-line progress messages. */
  log?: (line: string) => void;
}

/** The run's record (also written as `report.json`). */
export interface StudyReport {
  config: TrainConfig;
  split: { train: string[]; val: string[]; test: string[] };
  crops: { train: number; val: number; test: number };
  steps: StepRecord[];
  validationAuc: number[];
  bestEpoch: number;
  extractionImagesPerSecond: number;
  trainingImagesPerSecond: number;
  loadAverage: number[];
  trained: SubgroupVerification[];
  shipped: SubgroupVerification[];
  /**
   * HAC (average linkage) of the test crops per subgroup, cut at the threshold each model's validation crops chose:
   * BCubed F against the identities, and the best cut in hindsight.
   */
  clustering: { trained: SubgroupClustering[]; shipped: SubgroupClustering[] };
  /** The trained head and the shipped model on the test crops under synthetic masks (held-out textures). */
  masked?: { trained: SubgroupVerification[]; shipped: SubgroupVerification[] };
  augment: string;
  modelPath: string;
}

function subset(features: Float32Array, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * FEATURE_SIZE);
  rows.forEach((r, k) => out.set(features.subarray(r * FEATURE_SIZE, (r + 1) * FEATURE_SIZE), k * FEATURE_SIZE));
  return out;
}

function snapshot(head: EmbeddingHead): Float64Array[] {
  return [...head.params().map((p) => p.value.slice()), head.runningMean.slice(), head.runningVar.slice()];
}

function restore(head: EmbeddingHead, saved: Float64Array[]): void {
  [...head.params().map((p) => p.value), head.runningMean, head.runningVar].forEach((t, i) => t.set(saved[i]!));
}

/** Cache layout: a JSON header line (the model, then the crop paths) then the float32 features. */
async function readFeatureCache(path: string, paths: readonly string[]): Promise<Float32Array | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    return null;
  }
  const newline = bytes.indexOf(10);
  if (newline < 0) return null;
  try {
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline)));
    if (JSON.stringify(header.paths) !== JSON.stringify(paths)) return null;
  } catch {
    return null;
  }
  const body = bytes.slice(newline + 1);
  if (body.length !== (paths.length - 1) * FEATURE_SIZE * 4) return null;
  return new Float32Array(body.buffer);
}

async function writeFeatureCache(path: string, paths: readonly string[], features: Float32Array): Promise<void> {
  const header = new TextEncoder().encode(JSON.stringify({ paths }) + "\n");
  const out = new Uint8Array(header.length + features.byteLength);
  out.set(header);
  out.set(new Uint8Array(features.buffer, features.byteOffset, features.byteLength), header.length);
  await writeFileAtomic(path, out);
}

/**
 * Runs the study and writes `report.json` and `head.onnx` into `outDir`.
 */
export async function runHeadStudy(options: StudyOptions): Promise<{ report: StudyReport; head: EmbeddingHead }> {
  const log = options.log ?? (() => {});
  const { config } = options;
  const { data, split, rows } = await loadSplitCrops(options.dataDir, {
    perIdentity: options.perIdentity,
    valShare: options.valShare,
    testShare: options.testShare,
    seed: config.seed,
  });
  log(
    `${data.paths.length} crops of ${data.identities.length} identities: ` +
      `train ${rows.train.length} (${split.train.length} ids), val ${rows.val.length}, test ${rows.test.length}`,
  );

  const crops = await Promise.all(data.paths.map(readCrop));
  const backbone = await loadBackbone(options.modelPath, { cacheDir: options.outDir });
  const t0 = performance.now();
  // The cache is valid for these exact crops through this exact model file.
  const cacheKey = [`model:${options.modelPath}:${(await Deno.stat(options.modelPath)).size}`, ...data.paths];
  const cached = options.featureCache ? await readFeatureCache(options.featureCache, cacheKey) : null;
  const features = cached ?? await extractFeatures(backbone, crops, {
    onBatch: (done) => log(`features ${done}/${crops.length}`),
  });
  if (options.featureCache && !cached) await writeFeatureCache(options.featureCache, cacheKey, features);
  const extractionImagesPerSecond = cached ? NaN : crops.length / ((performance.now() - t0) / 1000);

  const classOf = new Map(split.train.map((id, k) => [id, k]));
  const trainData: TrainData = {
    features: subset(features, rows.train),
    labels: Int32Array.from(rows.train, (r) => classOf.get(data.identity[r]!)!),
    classes: split.train.length,
    groups: Int32Array.from(rows.train, (r) => (data.identities[data.identity[r]!]!.gender === "F" ? 1 : 0)),
  };
  const genders = data.identities.map((i) => i.gender);
  const valFeatures = subset(features, rows.val);
  const valIdentity = Int32Array.from(rows.val, (r) => data.identity[r]!);
  const augment = options.augment ?? "none";
  let textures: { train: RgbImage[]; test: RgbImage[] } | undefined;
  if (options.texturesFrom) {
    const pools = await texturePools(options.texturesFrom.photos);
    const yoloxPath = options.texturesFrom.yoloxPath;
    textures = {
      train: await loadTextures(pools.train, { yoloxPath }),
      test: await loadTextures(pools.test, { yoloxPath }),
    };
    log(`mask textures: ${textures.train.length} train, ${textures.test.length} held out`);
  }
  const featuresByEpoch: Float32Array[] = [];
  if (augment !== "none") {
    const stages = augment === "curriculum" ? CURRICULUM.slice(0, 3) : CURRICULUM;
    for (let epoch = 0; epoch < config.epochs; epoch++) {
      const stage = stages[curriculumStage(epoch, config.epochs, stages.length)]!;
      const rng = new Rng(config.seed).fork(`augment-${epoch}`);
      const augmented: RgbImage[] = [];
      for (const r of rows.train) {
        augmented.push(await augmentCrop(crops[r]!, { stage, rng, textures: textures?.train }));
      }
      featuresByEpoch.push(await extractFeatures(backbone, augmented));
      log(`epoch ${epoch + 1}: augmented ${augmented.length} crops (strength ${stage.strength})`);
    }
    trainData.featuresByEpoch = featuresByEpoch;
  }
  const validationAuc: number[] = [];
  let best = -Infinity, bestEpoch = 0, bestWeights: Float64Array[] = [];
  const result = trainHead(trainData, config, {
    onProgress: (line) => log(line),
    onEpoch: (head, epoch) => {
      const emb = unitRows(head.embed(valFeatures), head.shape.embeddingDim);
      const auc = rows.val.length > 1
        ? verifyByIdentity(emb, { identity: valIdentity, groupOf: genders, bootstrap: 0 })[0]!.auc.value
        : NaN;
      validationAuc.push(auc);
      log(`epoch ${epoch + 1}: validation AUC ${auc.toFixed(4)}`);
      if (!(auc <= best)) {
        best = auc;
        bestEpoch = epoch;
        bestWeights = snapshot(head);
      }
    },
  });
  if (bestWeights.length) restore(result.head, bestWeights);

  const testIdentity = Int32Array.from(rows.test, (r) => data.identity[r]!);
  const bootstrap = options.bootstrap ?? 200;
  const trainedEmb = unitRows(result.head.embed(subset(features, rows.test)), result.head.shape.embeddingDim);
  const trained = verifyByIdentity(trainedEmb, {
    identity: testIdentity,
    groupOf: genders,
    bootstrap,
    seed: config.seed,
  });
  const shippedModel = await Embedder.load(options.modelPath, FACE_MODELS.mobilefacenet!, { backend: "cpu" });
  const shippedEmb = (await shippedModel.embed(rows.test.map((r) => crops[r]!))).vectors;
  const shipped = verifyByIdentity(shippedEmb, {
    identity: testIdentity,
    groupOf: genders,
    bootstrap,
    seed: config.seed,
  });

  // Each model's operating point comes from the validation identities; test identities only measure it.
  const clusterTest = (testEmb: Float32Array, valEmb: Float32Array) =>
    clusterByIdentity(testEmb, {
      identity: testIdentity,
      groupOf: genders,
      threshold: rows.val.length > 1 ? tuneClusterThreshold(valEmb, valIdentity) : NaN,
    });
  const clustering = {
    trained: clusterTest(trainedEmb, unitRows(result.head.embed(valFeatures), result.head.shape.embeddingDim)),
    shipped: clusterTest(shippedEmb, (await shippedModel.embed(rows.val.map((r) => crops[r]!))).vectors),
  };

  let masked: StudyReport["masked"];
  if (textures?.test.length) {
    const rng = new Rng(config.seed).fork("masked-test");
    const maskedCrops = rows.test.map((r) =>
      syntheticMask(crops[r]!, { rng, texture: textures!.test[rng.int(textures!.test.length)]! })
    );
    const maskedFeatures = await extractFeatures(backbone, maskedCrops);
    const opts = { identity: testIdentity, groupOf: genders, bootstrap, seed: config.seed };
    masked = {
      trained: verifyByIdentity(unitRows(result.head.embed(maskedFeatures), result.head.shape.embeddingDim), opts),
      shipped: verifyByIdentity((await shippedModel.embed(maskedCrops)).vectors, opts),
    };
  }

  const modelPath = join(options.outDir, "head.onnx");
  await writeFileAtomic(modelPath, exportHeadModel(await Deno.readFile(options.modelPath), result.head));
  const names = (ids: number[]) => ids.map((i) => data.identities[i]!.id);
  const report: StudyReport = {
    config,
    split: { train: names(split.train), val: names(split.val), test: names(split.test) },
    crops: { train: rows.train.length, val: rows.val.length, test: rows.test.length },
    steps: result.steps,
    validationAuc,
    bestEpoch,
    extractionImagesPerSecond,
    trainingImagesPerSecond: result.imagesPerSecond,
    loadAverage: Deno.loadavg(),
    trained,
    shipped,
    clustering,
    ...(masked ? { masked } : {}),
    augment,
    modelPath,
  };
  await writeFileAtomic(join(options.outDir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  return { report, head: result.head };
}
