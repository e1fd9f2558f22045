/**
 * The confidence branch study: labelled crops from real photos (faces, and the crops an unclear-face filter must
 * reject), the classifier of `algorithms/training/confidence.ts` trained on one half of the photos and identities,
 * and precision of kept faces against the fraction kept on the other half, beside today's norm cue and unclear
 * score. Writes the classifier as JSON for `pb embed --confidence-model`.
 * @module
 */
import { join } from "node:path";
import {
  confidenceFeatures,
  confidenceScores,
  precisionAtKept,
  trainConfidenceClassifier,
} from "../algorithms/training/confidence.ts";
import { gaussianBlur } from "../algorithms/training/augment.ts";
import { rocAuc } from "../algorithms/metrics/auc.ts";
import { Rng } from "../algorithms/random/rng.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { CONFIDENCE_FORMAT, type ConfidenceModelFile } from "../pipeline/confidence_model.ts";
import { DataFileError } from "../base/errors.ts";
import { alignFace } from "../pipeline/align/similarity.ts";
import { bodyFromFace } from "../pipeline/associate.ts";
import { type Detection, iou } from "../pipeline/detect/nms.ts";
import { templateLandmarks } from "../pipeline/detect/ultraface.ts";
import { YuNetDetector } from "../pipeline/detect/yunet.ts";
import { Embedder, FACE_MODELS } from "../pipeline/embed/embedder.ts";
import { decodeImage, resizeRgb, type RgbImage } from "../pipeline/image/decode.ts";
import { type FaceCues, laplacianVariance, normRampFor, unclearScore, yawProxy } from "../pipeline/quality.ts";
import { DEFAULT_CALIBRATION } from "../pipeline/quality.ts";
import { loadCropDataset } from "./data.ts";
import { readCrop } from "./features.ts";

/** Where a labelled crop comes from; every kind but `face` and `aligned` is a negative. */
export const CROP_KINDS = ["face", "aligned", "weak", "random", "blur", "clothing", "synthetic"] as const;
/** One kind of labelled crop. */
export type CropKind = typeof CROP_KINDS[number];

/** A labelled 112×112 crop with the cues today's unclear score reads (NaN where a cue does not exist). */
export interface LabelledCrop {
  kind: CropKind;
  /** 1 = clear face. */
  label: number;
  /** Held out from training (its photo or identity is in the test half). */
  test: boolean;
  crop: RgbImage;
  cues: FaceCues;
}

/** The study's inputs. */
export interface ConfidenceStudyOptions {
  /** Photos with faces in them, searched recursively (e.g. ../shared/data/photos). */
  photosDir: string;
  /** Optional aligned-crop dataset (identities.csv + images/) giving more positives, split by identity. */
  cropsDir?: string;
  /** Crops per identity from `cropsDir` [20]. */
  perIdentity?: number;
  modelsDir: string;
  /** Face model id of FACE_MODELS [mobilefacenet]. */
  faceModel?: string;
  seed?: number;
  epochs?: number;
  hidden?: number;
  /** Writes classifier.json and report.json here. */
  outDir: string;
  onProgress?: (line: string) => void;
}

/** One scorer's numbers on the test half. */
export interface ScorerRow {
  scorer: string;
  auc: number;
  /** Precision of kept crops at each of {@link KEPT_FRACTIONS}. */
  precision: number[];
}

/** Kept fractions of the precision curve. */
export const KEPT_FRACTIONS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1] as const;

/** What the study reports. */
export interface ConfidenceReport {
  faceModel: string;
  seed: number;
  counts: Record<string, { train: number; test: number }>;
  lossPerEpoch: number[];
  fractions: readonly number[];
  /** All test crops; and the photo crops only (the ones with every cue of the unclear score). */
  test: ScorerRow[];
  testPhotos: ScorerRow[];
}

const IMAGE = /\.(jpe?g|png|webp)$/i;

async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = [];
    for await (const e of Deno.readDir(d)) entries.push(e);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isDirectory) await walk(join(d, e.name));
      else if (e.isFile && IMAGE.test(e.name)) out.push(join(d, e.name));
    }
  };
  await walk(dir);
  return out;
}

function cropOf(image: RgbImage, d: Detection): RgbImage {
  return alignFace(image, d.landmarks ?? templateLandmarks(d)).crop;
}

function cuesOf(crop: RgbImage, d: Detection | null, scale: number): FaceCues {
  return {
    detectorScore: d ? d.score : NaN,
    faceSize: d ? Math.min(d.x2 - d.x1, d.y2 - d.y1) * scale : NaN,
    sharpness: laplacianVariance(crop),
    yaw: d?.landmarks ? yawProxy(d.landmarks) : NaN,
    embeddingNorm: NaN,
  };
}

/**
 * Labelled crops from photos: YuNet faces (score ≥ 0.8) are positives; weak detections (score < 0.6 overlapping
 * no strong one), random patches away from every detection, clothing below each face, and heavily blurred copies
 * of faces are negatives. Each photo goes wholly to the train or the test half (seeded).
 */
async function photoCrops(files: string[], detector: YuNetDetector, rng: Rng, skipped: string[]) {
  const out: LabelledCrop[] = [];
  for (const file of files) {
    let image;
    try {
      image = await decodeImage(file);
    } catch (e) {
      skipped.push(`${file}: ${(e as Error).message}`);
      continue;
    }
    const test = rng.float() < 0.5;
    const dets = await detector.detect(image);
    const strong = dets.filter((d) => d.score >= 0.6), any = dets.filter((d) => d.score >= 0.3);
    const add = (kind: CropKind, crop: RgbImage, d: Detection | null) =>
      out.push({ kind, label: kind === "face" ? 1 : 0, test, crop, cues: cuesOf(crop, d, image.scale) });
    for (const d of dets) {
      if (d.score >= 0.8) {
        const crop = cropOf(image, d);
        add("face", crop, d);
        // Defocus strong enough that no identity survives: the article filters such faces.
        if (rng.float() < 0.3) add("blur", gaussianBlur(crop, 4 + 4 * rng.float()), d);
        if (rng.float() < 0.3) {
          const body = bodyFromFace(d, image.width, image.height), fh = d.y2 - d.y1;
          const side = Math.min(body.x2 - body.x1, body.y2 - (d.y2 + 0.3 * fh));
          const y1 = d.y2 + 0.3 * fh, cx = (d.x1 + d.x2) / 2;
          if (side >= 24 && y1 + side <= image.height) {
            const box: Detection = {
              x1: cx - side / 2,
              y1,
              x2: cx + side / 2,
              y2: y1 + side,
              score: 0,
              landmarks: null,
            };
            add("clothing", cropOf(image, box), null);
          }
        }
      } else if (d.score < 0.6 && strong.every((s) => iou(s, d) < 0.1)) add("weak", cropOf(image, d), d);
    }
    for (let k = 0, tries = 0; k < 3 && tries < 50; tries++) {
      const side = 40 + rng.float() * Math.min(160, image.width / 3, image.height / 3);
      const x1 = rng.float() * (image.width - side), y1 = rng.float() * (image.height - side);
      const box: Detection = { x1, y1, x2: x1 + side, y2: y1 + side, score: 0, landmarks: null };
      if (any.some((d) => iou(d, box) > 0)) continue;
      add("random", cropOf(image, box), null);
      k++;
    }
  }
  return out;
}

/** Out-of-domain images no camera gives a face detector: smooth colour ramps and coloured noise. */
function syntheticCrops(count: number, rng: Rng): LabelledCrop[] {
  const out: LabelledCrop[] = [];
  for (let k = 0; k < count; k++) {
    const data = new Uint8Array(112 * 112 * 3);
    const base = [rng.int(256), rng.int(256), rng.int(256)], noise = k % 2 === 0 ? 0 : 20 + rng.int(80);
    const gx = rng.normal(), gy = rng.normal();
    for (let y = 0; y < 112; y++) {
      for (let x = 0; x < 112; x++) {
        for (let c = 0; c < 3; c++) {
          const v = base[c]! + 40 * (gx * x + gy * y) / 112 + noise * rng.normal();
          data[(y * 112 + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
    const crop = { data, width: 112, height: 112 };
    out.push({ kind: "synthetic", label: 0, test: k % 2 === 1, crop, cues: cuesOf(crop, null, 1) });
  }
  return out;
}

async function alignedCrops(dir: string, perIdentity: number, seed: number): Promise<LabelledCrop[]> {
  const data = await loadCropDataset(dir, { perIdentity, seed });
  const rng = new Rng(seed).fork("confidence-identities");
  const testIdentity = data.identities.map(() => rng.float() < 0.5);
  const out: LabelledCrop[] = [];
  for (let i = 0; i < data.paths.length; i++) {
    const crop = await readCrop(data.paths[i]!);
    out.push({ kind: "aligned", label: 1, test: testIdentity[data.identity[i]!]!, crop, cues: cuesOf(crop, null, 1) });
  }
  return out;
}

function scorerRow(scorer: string, scores: ArrayLike<number>, labels: number[]): ScorerRow {
  const pos = labels.flatMap((y, i) => (y ? [scores[i]!] : [])),
    neg = labels.flatMap((y, i) => (y ? [] : [scores[i]!]));
  return { scorer, auc: rocAuc(pos, neg), precision: precisionAtKept(scores, labels, KEPT_FRACTIONS) };
}

/**
 * Builds the labelled crops, trains the classifier on the train half and compares it on the test half with the
 * raw-norm cue and today's unclear score.
 * @param options inputs, model and seed
 * @returns the report (also written with the classifier to `outDir`)
 * @throws {DataFileError} when the photos folder has no usable photo or a half lacks faces or non-faces
 */
export async function runConfidenceStudy(options: ConfidenceStudyOptions): Promise<ConfidenceReport> {
  const seed = options.seed ?? 1, log = options.onProgress ?? (() => {});
  const faceModel = options.faceModel ?? "mobilefacenet";
  const spec = FACE_MODELS[faceModel];
  if (!spec) throw new DataFileError(faceModel, `unknown face model (known: ${Object.keys(FACE_MODELS).join(", ")})`);
  const rng = new Rng(seed).fork("confidence");
  const files = await listImages(options.photosDir);
  if (files.length === 0) throw new DataFileError(options.photosDir, "has no photos (.jpg, .png, .webp)");
  const detector = await YuNetDetector.load(join(options.modelsDir, "yunet.onnx"), {
    backend: "cpu",
    scoreThreshold: 0.2,
  });
  const skipped: string[] = [];
  const crops = await photoCrops(files, detector, rng.fork("photos"), skipped);
  for (const s of skipped) log(`skipped ${s}`);
  crops.push(...syntheticCrops(Math.max(20, Math.round(crops.length / 10)), rng.fork("synthetic")));
  if (options.cropsDir) crops.push(...await alignedCrops(options.cropsDir, options.perIdentity ?? 20, seed));
  log(`${crops.length} labelled crops from ${files.length} photos${options.cropsDir ? " and aligned crops" : ""}`);

  const embedder = await Embedder.load(join(options.modelsDir, spec.file), spec, { backend: "cpu" });
  const sized = await Promise.all(
    crops.map((c) =>
      c.crop.width === spec.width && c.crop.height === spec.height ? c.crop : resizeRgb(c.crop, spec.width, spec.height)
    ),
  );
  const vectors = new Float32Array(sized.length * embedder.dim), norms = new Float32Array(sized.length);
  for (let start = 0; start < sized.length; start += 64) {
    const part = await embedder.embed(sized.slice(start, start + 64));
    vectors.set(part.vectors, start * embedder.dim);
    norms.set(part.norms, start);
  }
  crops.forEach((c, i) => (c.cues.embeddingNorm = norms[i]!));
  const inputs = embedder.dim + 1;
  const x = confidenceFeatures(vectors, norms, embedder.dim);

  const rows = (test: boolean) => crops.flatMap((c, i) => (c.test === test ? [i] : []));
  const take = (idx: number[]) => {
    const out = new Float64Array(idx.length * inputs);
    idx.forEach((r, k) => out.set(x.subarray(r * inputs, (r + 1) * inputs), k * inputs));
    return out;
  };
  const trainRows = rows(false), testRows = rows(true);
  for (const [half, idx] of [["train", trainRows], ["test", testRows]] as const) {
    const faces = idx.filter((i) => crops[i]!.label === 1).length;
    if (faces === 0 || faces === idx.length) {
      throw new DataFileError(options.photosDir, `the ${half} half has ${faces ? "no non-faces" : "no faces"}`);
    }
  }
  const trainLabels = trainRows.map((i) => crops[i]!.label);
  const { classifier, lossPerEpoch } = trainConfidenceClassifier(take(trainRows), trainLabels, inputs, {
    seed,
    epochs: options.epochs,
    hidden: options.hidden,
  });
  log(`trained: loss ${lossPerEpoch[0]!.toFixed(4)} → ${lossPerEpoch.at(-1)!.toFixed(4)}`);

  const calibration = {
    ...DEFAULT_CALIBRATION,
    embeddingNorm: [...normRampFor(faceModel), DEFAULT_CALIBRATION.embeddingNorm[2]] as [number, number, number],
  };
  const evaluate = (idx: number[]): ScorerRow[] => {
    const labels = idx.map((i) => crops[i]!.label);
    const branch = confidenceScores(classifier, take(idx));
    return [
      scorerRow("confidence branch", branch, labels),
      scorerRow("embedding norm", idx.map((i) => norms[i]!), labels),
      scorerRow("unclear score (1 − u)", idx.map((i) => 1 - unclearScore(crops[i]!.cues, calibration)), labels),
    ];
  };
  const photoKinds = new Set<CropKind>(["face", "weak", "random", "blur", "clothing"]);
  const counts: ConfidenceReport["counts"] = {};
  for (const kind of CROP_KINDS) {
    const of = crops.filter((c) => c.kind === kind);
    counts[kind] = { train: of.filter((c) => !c.test).length, test: of.filter((c) => c.test).length };
  }
  const report: ConfidenceReport = {
    faceModel,
    seed,
    counts,
    lossPerEpoch,
    fractions: KEPT_FRACTIONS,
    test: evaluate(testRows),
    testPhotos: evaluate(testRows.filter((i) => photoKinds.has(crops[i]!.kind))),
  };
  await Deno.mkdir(options.outDir, { recursive: true });
  const model: ConfidenceModelFile = { format: CONFIDENCE_FORMAT, faceModel, dim: embedder.dim, classifier };
  await writeFileAtomic(join(options.outDir, "classifier.json"), JSON.stringify(model) + "\n");
  await writeFileAtomic(join(options.outDir, "report.json"), JSON.stringify(report, null, 2) + "\n");
  return report;
}
