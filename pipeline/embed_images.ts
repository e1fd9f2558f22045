/**
 * `embedImages()`: a folder of photos (or aligned face crops) → a PeopleBench dataset (format v1), in four
 * stages (modules in `pipeline/ingest/`): decode (bytes, EXIF, pixels) → detect+align (faces, people,
 * association, aligned crops) → embed (batches across photos, unclear score) → write (moments, dataset,
 * `skipped.csv`). Bad files are skipped and listed in `skipped.csv`; the run goes on.
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { DataFileError } from "../base/errors.ts";
import type { DatasetWriterOptions } from "../datasets/io.ts";
import type { CaptureInfo, TimeSource } from "./image/exif.ts";
import { resolveModelsDir } from "./models.ts";
import { DEFAULT_CALIBRATION, normRampFor } from "./quality.ts";
import { decodePhoto } from "./ingest/decode.ts";
import { alignedObservation, alignPhoto, detectPhoto, type PhotoObservations } from "./ingest/detect_align.ts";
import { EmbedStage } from "./ingest/embed.ts";
import { photoIdentity, readAttributes, readPhotoLabels } from "./ingest/inputs.ts";
import { loadModelSet, type ModelSet, type ModelSetSpec, planModels } from "./ingest/models.ts";
import type {
  EmbedImagesOptions,
  EmbedImagesResult,
  PendingObservation,
  SkippedFile,
  StageSeconds,
} from "./ingest/types.ts";
import { writeIngest } from "./ingest/write.ts";

export { labelledFace } from "./ingest/detect_align.ts";
export type { EmbedImagesOptions, EmbedImagesResult, SkippedFile, StageSeconds } from "./ingest/types.ts";

/** File extensions treated as images (the content is sniffed; the name only selects candidates). */
export const IMAGE_EXTENSIONS: readonly string[] = [
  ".jpg",
  ".jpeg",
  ".png",
  ".webp",
  ".tif",
  ".tiff",
  ".gif",
  ".bmp",
  ".avif",
  ".heic",
  ".heif",
];

/**
 * Lists candidate image files under a folder (recursively; hidden entries skipped).
 * @param root the images folder
 * @returns paths relative to `root` with "/" separators, sorted
 */
export async function listImages(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && IMAGE_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x))) out.push(p);
    }
  }
  await walk(root);
  return out.map((p) => relative(root, p).split(sep).join("/")).sort();
}

/** Everything resolved from the options before any photo is read. */
interface IngestPlan {
  root: string;
  layout: "photos" | "identity-folders";
  aligned: boolean;
  batch: number;
  threads: number;
  modelsDir: string;
  models: ModelSetSpec;
  labels: Map<string, string> | null;
  attrs: Awaited<ReturnType<typeof readAttributes>> | null;
  maxSide: number;
  detectSize: number;
  unclearThreshold: number;
}

async function planIngest(options: EmbedImagesOptions): Promise<IngestPlan> {
  const root = resolve(options.images);
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Error("not a folder");
  } catch (e) {
    throw new DataFileError(root, `images folder cannot be read: ${(e as Error).message}`);
  }
  const aligned = options.aligned ?? false;
  const bodyModel = options.bodyModel ?? (aligned ? "none" : "osnet");
  if (aligned && bodyModel !== "none") throw new RangeError('Aligned face crops have no bodies: use bodyModel "none"');
  const batch = options.batch ?? 32;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const threads = options.threads ?? navigator.hardwareConcurrency;
  const modelsDir = resolveModelsDir(options.models);
  const detectSize = options.detectSize ?? 640;
  const models = planModels(modelsDir, {
    session: {
      backend: options.backend ?? "auto",
      threads,
      rewritePrelu: options.rewritePrelu ?? true,
      neuralEngine: options.neuralEngine ?? false,
    },
    faceModel: options.faceModel ?? "mobilefacenet",
    aligned,
    faceDetector: options.faceDetector ?? "yunet",
    detectSize,
    ...(options.faceThreshold !== undefined ? { faceThreshold: options.faceThreshold } : {}),
    bodyModel,
  });
  return {
    root,
    layout: options.layout ?? "photos",
    aligned,
    batch,
    threads,
    modelsDir,
    models,
    labels: options.labels ? await readPhotoLabels(options.labels) : null,
    attrs: options.attributes ? await readAttributes(options.attributes, options.attributeColumns) : null,
    maxSide: options.maxSide ?? 4096,
    detectSize,
    unclearThreshold: options.unclearThreshold ?? 0.5,
  };
}

/** The dataset's description: what was read, with which models and settings, and what came of it. */
function datasetDescription(
  options: EmbedImagesOptions,
  plan: IngestPlan,
  models: ModelSet,
  run: {
    files: number;
    photos: number;
    skipped: number;
    timeSources: Record<TimeSource, number>;
    conversions: Record<string, number>;
  },
): DatasetWriterOptions {
  const { face, detector, persons, body } = models;
  const ts = run.timeSources;
  return {
    name: options.name ?? plan.root.split(sep).pop() ?? "photos",
    source: {
      tool: "pb embed",
      images: plan.root,
      layout: plan.layout,
      aligned: plan.aligned,
      labels: options.labels ? resolve(options.labels) : null,
      attributes: options.attributes ? resolve(options.attributes) : null,
      backend: face.model.backend,
      threads: plan.threads,
      batch: plan.batch,
      models: {
        folder: plan.modelsDir,
        face: { name: face.spec.name, file: face.model.path, prelu: face.model.prelu && omitBytes(face.model.prelu) },
        detector: detector ? { name: detector.name, file: detector.model.path } : null,
        person: persons ? { name: persons.name, file: persons.model.path } : null,
        body: body ? { name: body.spec.name, file: body.model.path } : null,
      },
      moments: {
        maxGapMs: options.moments?.maxGapMs ?? 3 * 3600 * 1000,
        maxDistanceKm: options.moments?.maxDistanceKm ?? 1,
      },
      timeSources: ts,
      conversions: run.conversions,
      files: run.files,
      photos: run.photos,
      skipped: run.skipped,
      unclearThreshold: plan.unclearThreshold,
    },
    seed: null,
    face: { dim: face.dim, model: face.spec.name },
    body: body ? { dim: body.dim, model: body.spec.name } : null,
    attributes: plan.attrs?.names ?? [],
    notes: `Built by pb embed from ${run.files} files (${run.skipped} skipped, see skipped.csv). ` +
      `Times from EXIF: ${ts.exif}, from file modification time: ${ts.file}, unknown: ${ts.none}.`,
  };
}

/**
 * Runs the photo pipeline on a folder and writes a dataset.
 * @param options inputs, models, backend and limits (see {@link EmbedImagesOptions})
 * @returns counts, skipped files, the provider used and stage timings
 * @throws {Error} when a model is missing or cannot load, {@link DataFileError} for bad label/attribute files,
 *   `BackendUnavailableError` when the requested provider cannot run here
 * @example
 * ```ts ignore
 * const r = await embedImages({ images: "photos/", out: "out/ds", labels: "photos/labels.csv" });
 * console.log(r.faces, r.skipped.length);
 * ```
 */
export async function embedImages(options: EmbedImagesOptions): Promise<EmbedImagesResult> {
  const t0 = performance.now();
  const plan = await planIngest(options);
  const models = await loadModelSet(plan.models);
  const files = await listImages(plan.root);
  const stage: StageSeconds = { decode: 0, detect: 0, align: 0, embed: 0, write: 0 };
  const skipped: SkippedFile[] = [];
  const observations: PendingObservation[] = [];
  const photoInfo: CaptureInfo[] = [];
  const timeSources: Record<TimeSource, number> = { exif: 0, file: 0, none: 0 };
  const conversions: Record<string, number> = {};
  const embed = new EmbedStage({
    embedFaces: (crops) => models.face.embed(crops),
    embedBodies: (crops) => models.body!.embed(crops),
  }, {
    batch: plan.batch,
    faceDim: models.face.dim,
    bodyDim: models.body?.dim ?? 0,
    calibration: {
      ...DEFAULT_CALIBRATION,
      embeddingNorm: [...normRampFor(models.face.spec.name), DEFAULT_CALIBRATION.embeddingNorm[2]],
    },
    unclearThreshold: plan.unclearThreshold,
  });
  const decodeOptions = { maxSide: plan.maxSide, fileTime: options.fileTime ?? false };

  // Decoding runs ahead of inference (libvips works on its own threads).
  const LOOKAHEAD = 2;
  const inflight: ReturnType<typeof decodePhoto>[] = [];
  let next = 0;
  for (let k = 0; k < files.length; k++) {
    while (inflight.length <= LOOKAHEAD && next < files.length) {
      inflight.push(decodePhoto(plan.root, files[next++]!, decodeOptions));
    }
    const td = performance.now();
    const item = await inflight.shift()!;
    stage.decode += (performance.now() - td) / 1000;
    if ("reason" in item) {
      skipped.push(item);
      options.onProgress?.(k + 1, files.length);
      continue;
    }
    const { rel, info, image } = item;
    for (const c of image.conversions) conversions[c] = (conversions[c] ?? 0) + 1;
    const identity = photoIdentity(rel, plan.layout, plan.labels);
    const ctx = {
      rel,
      info,
      photo: photoInfo.length,
      identity,
      attributes: plan.attrs?.byIdentity.get(identity) ?? {},
      withBodies: models.body !== null,
      keepBodyOnly: options.keepBodyOnly ?? false,
    };
    let made: PhotoObservations;
    if (plan.aligned) {
      const ta = performance.now();
      made = await alignedObservation(image, ctx);
      stage.align += (performance.now() - ta) / 1000;
    } else {
      const tdet = performance.now();
      const dets = await detectPhoto(models, image, plan.detectSize);
      stage.detect += (performance.now() - tdet) / 1000;
      const ta = performance.now();
      made = alignPhoto(image, image, dets, ctx);
      stage.align += (performance.now() - ta) / 1000;
    }
    if (made.observations.length === 0) skipped.push({ file: rel, reason: "no face found" });
    else {
      photoInfo.push(info);
      timeSources[info.timeSource]++;
      for (const p of made.observations) observations.push(p);
    }
    await embed.add(made);
    options.onProgress?.(k + 1, files.length);
  }
  const rows = await embed.finish();
  stage.embed = embed.seconds;

  const tw = performance.now();
  const description = datasetDescription(options, plan, models, {
    files: files.length,
    photos: photoInfo.length,
    skipped: skipped.length,
    timeSources,
    conversions,
  });
  const manifest = await writeIngest(
    options.out,
    description,
    observations,
    rows,
    photoInfo,
    options.moments ?? {},
    skipped,
  );
  stage.write += (performance.now() - tw) / 1000;
  return {
    manifest,
    files: files.length,
    photos: photoInfo.length,
    faces: rows.faces,
    bodies: rows.bodies,
    skipped,
    backend: models.face.model.backend,
    seconds: (performance.now() - t0) / 1000,
    stageSeconds: stage,
  };
}

function omitBytes<T extends { bytes: Uint8Array }>(o: T): Omit<T, "bytes"> {
  const { bytes: _bytes, ...rest } = o;
  return rest;
}
