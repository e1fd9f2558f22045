/**
 * `embedImages()`: a folder of photos (or aligned face crops) → a PeopleBench dataset (format v1), in four
 * stages (modules in `pipeline/ingest/`): decode (bytes, EXIF, pixels) → detect+align (faces, people,
 * association, aligned crops) → embed (batches across photos, unclear score) → write (moments, dataset,
 * `skipped.csv`). Bad files are skipped and listed in `skipped.csv`; the run goes on.
 * @module
 */
import { resolve, sep } from "node:path";
import process from "node:process";
import { DataFileError } from "../base/errors.ts";
import type { DatasetWriterOptions } from "../datasets/io.ts";
import type { RgbRegion } from "./align/similarity.ts";
import { scaleDetections } from "./detect/nms.ts";
import { decodeImage, resizeRgb, type RgbImage } from "./image/decode.ts";
import type { CaptureInfo, TimeSource } from "./image/exif.ts";
import { listImages } from "./image/list.ts";
import { resolveModelsDir } from "./models.ts";
import { type BackendName, resolveBackend, splitBackend } from "./onnx/backends.ts";
import { type ConfidenceMode, type ConfidenceModelFile, loadConfidenceModel } from "./confidence_model.ts";
import { DEFAULT_CALIBRATION, normRampFor } from "./quality.ts";
import {
  cropSourceScale,
  decodeFrame,
  decodeRegion,
  decodeScaled,
  decodeScaledRegion,
  MIN_CROP_DETAIL,
  type PhotoHeader,
  readPhotoFile,
  readPhotoHeader,
  scaledSize,
  shrinksOnLoad,
  skipReason,
} from "./ingest/decode.ts";
import {
  alignedObservation,
  cutCrops,
  detectionSize,
  type ImageFrame,
  type PhotoContext,
  type PhotoObservations,
  type PhotoPlan,
  planDetail,
  planPhoto,
  planSourceBox,
  rescalePlan,
} from "./ingest/detect_align.ts";
import { EmbedStage } from "./ingest/embed.ts";
import { type IdentityAttributes, photoIdentity, readAttributes, readPhotoLabels } from "./ingest/inputs.ts";
import { type ModelSetSpec, planModels } from "./ingest/models.ts";
import type { ModelSetInfo } from "./ingest/protocol.ts";
import { type InferenceRunner, LocalRunner, WorkerPool } from "./ingest/runner.ts";
import {
  type CropSourceKind,
  DEFAULT_BATCH,
  type EmbedImagesOptions,
  type EmbedImagesResult,
  type PendingObservation,
  type SkippedFile,
  type StageSeconds,
} from "./ingest/types.ts";
import { writeIngest } from "./ingest/write.ts";

export { labelledFace } from "./ingest/detect_align.ts";
export { DEFAULT_BATCH } from "./ingest/types.ts";
export type { EmbedImagesOptions, EmbedImagesResult, SkippedFile, StageSeconds } from "./ingest/types.ts";

export { IMAGE_EXTENSIONS } from "./image/list.ts";

/** Everything resolved from the options before any photo is read. */
export interface IngestPlan {
  root: string;
  layout: "photos" | "identity-folders";
  aligned: boolean;
  batch: number;
  workers: number;
  threads: number;
  modelsDir: string;
  models: ModelSetSpec;
  labels: Map<string, string> | null;
  attrs: IdentityAttributes | null;
  maxSide: number;
  detectSize: number;
  exactDecode: boolean;
  unclearThreshold: number;
  confidence: { model: ConfidenceModelFile; mode: ConfidenceMode; path: string } | null;
}

function positiveInt(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/**
 * Resolves options into a plan: folders checked, defaults applied, model files found, label and
 * attribute files read (the benchmark uses it to load the same models).
 * @param options as for {@link embedImages}
 * @returns the plan
 * @throws {DataFileError} for an unreadable images folder or bad label/attribute files; `RangeError` for bad numbers
 */
export async function planIngest(options: EmbedImagesOptions): Promise<IngestPlan> {
  const root = resolve(options.images);
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Error("not a folder");
  } catch (e) {
    throw new DataFileError(root, `images folder cannot be read: ${(e as Error).message}`);
  }
  const aligned = options.aligned ?? false;
  const bodyModel = options.bodyModel ?? (aligned ? "none" : "osnet");
  if (aligned && bodyModel !== "none") throw new RangeError('Aligned face crops have no bodies: use bodyModel "none"');
  const batch = positiveInt("batch", options.batch ?? DEFAULT_BATCH, 1);
  // onnxruntime-web (ort-web:*) cannot start inside a worker (no base URL for its WebAssembly): it runs in this thread.
  const backend = await resolveBackend(options.backend ?? "auto");
  const workers = splitBackend(backend).runtime === "ort-web"
    ? 0
    : positiveInt("workers", options.workers ?? navigator.hardwareConcurrency, 0);
  // One intra-op thread per session when workers run side by side: on a loaded or small machine a
  // thread pool per session spins and waits on its slowest thread; parallelism comes from the workers.
  const threads = positiveInt("threads", options.threads ?? (workers > 0 ? 1 : navigator.hardwareConcurrency), 1);
  const modelsDir = resolveModelsDir(options.models);
  const detectSize = options.detectSize ?? 640;
  const models = planModels(modelsDir, {
    session: {
      backend,
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
    workers,
    threads,
    modelsDir,
    models,
    labels: options.labels ? await readPhotoLabels(options.labels) : null,
    attrs: options.attributes ? await readAttributes(options.attributes, options.attributeColumns) : null,
    maxSide: options.maxSide ?? 4096,
    detectSize,
    exactDecode: options.exactDecode ?? false,
    unclearThreshold: options.unclearThreshold ?? 0.5,
    confidence: options.confidenceModel
      ? {
        model: await loadConfidenceModel(options.confidenceModel),
        mode: options.confidenceMode ?? "join",
        path: options.confidenceModel,
      }
      : null,
  };
}

/** The dataset's description: what was read, with which models and settings, and what came of it. */
function datasetDescription(
  options: EmbedImagesOptions,
  plan: IngestPlan,
  info: ModelSetInfo,
  run: {
    files: number;
    photos: number;
    skipped: number;
    timeSources: Record<TimeSource, number>;
    conversions: Record<string, number>;
  },
): DatasetWriterOptions {
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
      backend: info.backend,
      adapter: info.adapter,
      software_adapter: info.software_adapter,
      workers: plan.workers,
      threads: plan.threads,
      batch: plan.batch,
      exactDecode: plan.exactDecode,
      models: {
        folder: plan.modelsDir,
        face: { name: info.face.name, file: info.face.file, prelu: info.face.prelu },
        detector: info.detector,
        person: info.persons,
        body: info.body ? { name: info.body.name, file: info.body.file } : null,
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
      labelFace: options.labelFace ?? "largest",
      flipTta: options.flipTta ?? false,
      confidence: plan.confidence ? { model: resolve(plan.confidence.path), mode: plan.confidence.mode } : null,
    },
    seed: null,
    face: { dim: info.face.dim, model: info.face.name },
    body: info.body ? { dim: info.body.dim, model: info.body.name } : null,
    attributes: plan.attrs?.names ?? [],
    notes: `Built by pb embed from ${run.files} files (${run.skipped} skipped, see skipped.csv). ` +
      `Times from EXIF: ${ts.exif}, from file modification time: ${ts.file}, unknown: ${ts.none}.` +
      (plan.attrs && plan.attrs.leftOut.length > 0
        ? ` Attribute columns left out: ${plan.attrs.leftOut.map((c) => `${c.column} (${c.reason})`).join(", ")}.`
        : ""),
  };
}

/** One file through decode → detect+align: its observations and crops, why it was skipped, or a model failure. */
type Outcome =
  | { rel: string; info: CaptureInfo; conversions: string[]; made: PhotoObservations; from: CropSourceKind }
  | { skipped: SkippedFile }
  | { failure: unknown };

/** A photo whose detection copy was decoded on its own (shrink on load), once its crops are planned. */
interface PlannedPhoto {
  bytes: Uint8Array;
  rel: string;
  header: PhotoHeader;
  frame: ImageFrame;
  /** Crop jobs in frame coordinates, and the frame region they read (null: none). */
  jobs: PhotoPlan;
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  /** The detection copy. */
  copy: RgbImage;
}

/**
 * Where a photo's crops are cut from: the coarsest pixels that still give every crop a source pixel per
 * crop pixel ({@link MIN_CROP_DETAIL}) — the detection copy itself, a region decoded at a cheap JPEG scale,
 * else a region of the frame — with the crop jobs in that source's coordinates.
 */
async function cropSource(
  p: PlannedPhoto,
  decoding: <T>(f: () => Promise<T>) => Promise<T | SkippedFile>,
): Promise<{ source: RgbImage | RgbRegion; cut: PhotoPlan; from: CropSourceKind } | SkippedFile> {
  const { header, frame, jobs, box, copy } = p;
  // No crop reads a pixel: they stay black whatever the source.
  if (box === null) return { source: copy, cut: jobs, from: "none" };
  const detail = planDetail(jobs, frame);
  const sx = frame.width / copy.width, sy = frame.height / copy.height;
  if (detail / (header.scale * Math.max(sx, sy)) >= MIN_CROP_DETAIL) {
    return { source: copy, cut: rescalePlan(jobs, sx, sy), from: "copy" };
  }
  const k = cropSourceScale(header, detail);
  if (k !== null) {
    const size = scaledSize(header, k);
    const cut = rescalePlan(jobs, frame.width / size.width, frame.height / size.height);
    const sbox = planSourceBox(cut, { ...size, scale: 1 });
    if (sbox !== null) {
      const region = await decoding(() => decodeScaledRegion(p.bytes, p.rel, size, sbox, header.orientation));
      return "reason" in region ? region : { source: region, cut, from: `scale ${k}` as CropSourceKind };
    }
  }
  const region = await decoding(() => decodeRegion(p.bytes, p.rel, header, box));
  return "reason" in region ? region : { source: region, cut: jobs, from: "frame region" };
}

/** Decode, detect and cut the crops of one photo (runs ahead of the in-order consumer; never rejects). */
async function processPhoto(
  rel: string,
  plan: IngestPlan,
  options: EmbedImagesOptions,
  runner: InferenceRunner,
  stage: StageSeconds,
): Promise<Outcome> {
  const identity = photoIdentity(rel, plan.layout, plan.labels);
  const ctx: PhotoContext = {
    rel,
    info: { time: NaN, timeSource: "none", lat: NaN, lon: NaN },
    photo: -1, // given in photo order by the consumer
    identity,
    attributes: plan.attrs?.byIdentity.get(identity) ?? {},
    withBodies: plan.models.body !== null,
    keepBodyOnly: options.keepBodyOnly ?? false,
    labelFace: options.labelFace ?? "largest",
  };
  // Only file problems become skips; a model failure aborts the run.
  const decoding = async <T>(f: () => Promise<T>): Promise<T | SkippedFile> => {
    const t = performance.now();
    try {
      return await f();
    } catch (e) {
      return { file: rel, reason: skipReason(e) };
    } finally {
      stage.decode += (performance.now() - t) / 1000;
    }
  };
  const read = await decoding(() => readPhotoFile(plan.root, rel, options.fileTime ?? false));
  if ("reason" in read) return { skipped: read };
  const { bytes } = read;
  ctx.info = read.info;
  if (plan.aligned) {
    const image = await decoding(() => decodeImage(bytes, { maxSide: plan.maxSide }, rel));
    if ("reason" in image) return { skipped: image };
    const made = await alignedObservation(image, ctx);
    return { rel, info: ctx.info, conversions: image.conversions, made, from: "frame" };
  }
  const header = await decoding(() => readPhotoHeader(bytes, rel, plan.maxSide));
  if ("reason" in header) return { skipped: header };
  const frame = { width: header.width, height: header.height, scale: header.scale };
  const size = detectionSize(frame.width, frame.height, plan.detectSize);
  // Without shrink on load (small photos, PNG, …) or with exactDecode: the whole frame once, the detection
  // copy resized from it (the pixels decodeImage() gives) and the crops cut from it. Else a shrunk copy now
  // and, once the faces are known, only the region the crops read.
  const full = plan.exactDecode || !shrinksOnLoad(header, size.width, size.height)
    ? await decoding(() => decodeFrame(bytes, rel, header))
    : null;
  if (full && "reason" in full) return { skipped: full };
  const small = full
    ? await resizeRgb(full, size.width, size.height)
    : await decoding(() => decodeScaled(bytes, rel, header, size.width, size.height));
  if ("reason" in small) return { skipped: small };
  try {
    // The worker takes the pixels (moved, not copied): keep a copy where they may be the crop source.
    const kept: RgbImage | null = full && small !== full ? null : { ...small, data: small.data.slice() };
    const raw = await runner.detect(small === full ? kept! : small);
    const back = frame.width / small.width;
    const dets = {
      faces: scaleDetections(raw.faces, back, frame.width, frame.height),
      people: scaleDetections(raw.people, back, frame.width, frame.height),
    };
    let ta = performance.now();
    const jobs = planPhoto(frame, dets, ctx);
    const box = planSourceBox(jobs, frame);
    stage.align += (performance.now() - ta) / 1000;
    const crops = full
      ? { source: full, cut: jobs, from: "frame" as const }
      : await cropSource({ bytes, rel, header, frame, jobs, box, copy: kept! }, decoding);
    if ("reason" in crops) return { skipped: crops };
    const { source, cut, from } = crops;
    ta = performance.now();
    const made = cutCrops(source, cut);
    stage.align += (performance.now() - ta) / 1000;
    return { rel, info: ctx.info, conversions: header.conversions, made, from };
  } catch (e) {
    return { failure: e };
  }
}

/**
 * Runs the photo pipeline on a folder and writes a dataset.
 *
 * Photos flow through a bounded pipeline: up to `prefetch` photos are decoded (libvips threads) and
 * detected (inference workers) ahead of the one being consumed, crops of consecutive photos fill
 * shared embedding batches, and a bounded number of batches run in the workers at once. Observations,
 * rows and moments come out in file order whatever order the work finishes in.
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
  const record = options.recordCalls ?? false;
  const runner: InferenceRunner = plan.workers > 0
    ? await WorkerPool.start(plan.models, plan.workers, record)
    : await LocalRunner.load(plan.models, record);
  try {
    return await runIngest(options, plan, runner, t0);
  } finally {
    runner.close();
  }
}

/** CPU seconds of this process so far: every thread (workers, libvips, ONNX Runtime). */
function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function runIngest(
  options: EmbedImagesOptions,
  plan: IngestPlan,
  runner: InferenceRunner,
  t0: number,
): Promise<EmbedImagesResult> {
  const stage: StageSeconds = {
    load: (performance.now() - t0) / 1000,
    decode: 0,
    detect: 0,
    align: 0,
    embed: 0,
    write: 0,
  };
  const tRun = performance.now(), cpuRun = processCpuSeconds();
  // Entries the listing will not read (loops, folders named like images, unreadable files…) open skipped.csv.
  const { files, skipped: unread } = await listImages(plan.root);
  const skipped: SkippedFile[] = [...unread];
  const observations: PendingObservation[] = [];
  const photoInfo: CaptureInfo[] = [];
  const timeSources: Record<TimeSource, number> = { exif: 0, file: 0, none: 0 };
  const conversions: Record<string, number> = {};
  const cropSources: Partial<Record<CropSourceKind, number>> = {};
  const info = runner.info;
  if (plan.confidence && plan.confidence.model.dim !== info.face.dim) {
    const { model, path } = plan.confidence;
    throw new DataFileError(
      path,
      `was trained on ${model.dim}-d ${model.faceModel} embeddings, not ${info.face.name}'s ${info.face.dim}-d`,
    );
  }
  const embed = new EmbedStage(runner, {
    batch: plan.batch,
    faceDim: info.face.dim,
    bodyDim: info.body?.dim ?? 0,
    calibration: {
      ...DEFAULT_CALIBRATION,
      embeddingNorm: [...normRampFor(info.face.name), DEFAULT_CALIBRATION.embeddingNorm[2]],
    },
    unclearThreshold: plan.unclearThreshold,
    ...(plan.confidence ? { confidence: plan.confidence } : {}),
    flipTta: options.flipTta ?? false,
    // Keep every lane busy with one batch queued behind it.
    maxInFlight: runner.lanes + 1,
  });
  const ahead = positiveInt("prefetch", options.prefetch ?? 2 * runner.lanes + 2, 1);
  const window: Promise<Outcome>[] = [];
  let next = 0;
  // Start the clock of a progress bar now, not when the first photo is done (its rate would read high).
  if (files.length > 0) options.onProgress?.(0, files.length);
  for (let k = 0; k < files.length; k++) {
    while (window.length < ahead && next < files.length) {
      window.push(processPhoto(files[next++]!, plan, options, runner, stage));
    }
    const o = await window.shift()!;
    if ("failure" in o) throw o.failure;
    if ("skipped" in o) skipped.push(o.skipped);
    else {
      for (const c of o.conversions) conversions[c] = (conversions[c] ?? 0) + 1;
      cropSources[o.from] = (cropSources[o.from] ?? 0) + 1;
      if (o.made.observations.length === 0) skipped.push({ file: o.rel, reason: "no face found" });
      else {
        for (const p of o.made.observations) p.photo = photoInfo.length;
        photoInfo.push(o.info);
        timeSources[o.info.timeSource]++;
        for (const p of o.made.observations) observations.push(p);
      }
      await embed.add(o.made);
    }
    options.onProgress?.(k + 1, files.length);
  }
  const rows = await embed.finish();
  const pipelineSeconds = (performance.now() - tRun) / 1000;
  const pipelineCpuSeconds = processCpuSeconds() - cpuRun;
  stage.detect = runner.times.detect;
  stage.embed = runner.times.embed;

  const tw = performance.now();
  const description = datasetDescription(options, plan, info, {
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
    attributesLeftOut: plan.attrs?.leftOut ?? [],
    cropSources,
    backend: info.backend as BackendName,
    seconds: (performance.now() - t0) / 1000,
    stageSeconds: stage,
    inference: {
      lanes: runner.lanes,
      pipelineSeconds,
      pipelineCpuSeconds,
      ortSeconds: runner.times.ort,
      calls: options.recordCalls ? await runner.calls() : [],
    },
  };
}
