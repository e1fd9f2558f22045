/**
 * `embedImages()`: a folder of photos (or aligned face crops) → a PeopleBench dataset (format v1).
 * decode → EXIF → detect faces (+ people) → associate → align → batched embedding → unclear score
 * → moments → DatasetWriter. Bad files are skipped and listed in `skipped.csv`; the run goes on.
 * @module
 */
import { join, resolve, sep } from "node:path";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { DataFileError } from "../base/errors.ts";
import type { DatasetManifest, ObservationRecord } from "../datasets/format.ts";
import { DatasetWriter } from "../datasets/io.ts";
import { type LeftOutColumn, selectAttributeColumns } from "../datasets/attributes.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { alignFace, ARCFACE_TEMPLATE, cropResize } from "./align/similarity.ts";
import { associateFaces, bodyFromFace, type Box, upperBody } from "./associate.ts";
import { type Detection, scaleDetections } from "./detect/nms.ts";
import { UltraFaceDetector } from "./detect/ultraface.ts";
import { YoloxPersonDetector } from "./detect/yolox.ts";
import { type FaceDetector, YuNetDetector } from "./detect/yunet.ts";
import { BODY_MODELS, Embedder } from "./embed/embedder.ts";
import { type DecodedImage, decodeImage, resizeRgb, type RgbImage } from "./image/decode.ts";
import { type CaptureInfo, readCaptureInfo, type TimeSource } from "./image/exif.ts";
import { listImages } from "./image/list.ts";
import { MODEL_FILES, modelPath, resolveFaceModel, resolveModelsDir } from "./models.ts";
import { groupMoments, type MomentOptions } from "./moments.ts";
import type { BackendName, BackendRequest } from "./onnx/backends.ts";
import {
  DEFAULT_CALIBRATION,
  type FaceCues,
  laplacianVariance,
  normRampFor,
  unclearScore,
  yawProxy,
} from "./quality.ts";

export { IMAGE_EXTENSIONS } from "./image/list.ts";

/** Options for {@link embedImages}. Defaults in brackets. */
export interface EmbedImagesOptions {
  /** Folder of images (searched recursively). */
  images: string;
  /** Output dataset folder. */
  out: string;
  /** "photos": full photos; "identity-folders": each top-level subfolder is one identity ["photos"]. */
  layout?: "photos" | "identity-folders";
  /** CSV `file,identity` (file relative to `images`) labelling photos of one person. */
  labels?: string;
  /** Inputs are already ArcFace-aligned face crops: no detection [false]. */
  aligned?: boolean;
  /** Models folder [../shared/models when it exists]. */
  models?: string;
  /** Face detector ["yunet"]. */
  faceDetector?: "yunet" | "ultraface";
  /** Face model: "mobilefacenet", "arcface-r-512" or PATH.onnx ["mobilefacenet"]. */
  faceModel?: string;
  /** Upper-body model, or none ["osnet"; "none" with `aligned`]. */
  bodyModel?: "osnet" | "none";
  /** Execution provider ["auto"]. */
  backend?: BackendRequest;
  /** Intra-op threads per session [all cores]. */
  threads?: number;
  /** Embedding batch size [32]. */
  batch?: number;
  /** Rewrite PReLU nodes at load [true]. */
  rewritePrelu?: boolean;
  /** CoreML only: restrict to devices with the Apple Neural Engine [false]. */
  neuralEngine?: boolean;
  /** CSV with an `identity` column and attribute columns (e.g. `gender`). */
  attributes?: string;
  /** Which attribute columns to keep [every column but identity that groups people: not names, ids or counts]. */
  attributeColumns?: string[];
  /** Moment grouping limits [3 h, 1 km]. */
  moments?: MomentOptions;
  /** Use the file modification time when EXIF has no capture time (counted as such in the manifest) [false]. */
  fileTime?: boolean;
  /** Decode at most this many pixels on the longer side [4096]. */
  maxSide?: number;
  /** Longer side for face detection [640]. */
  detectSize?: number;
  /** YuNet / UltraFace score threshold [0.6 / 0.7]. */
  faceThreshold?: number;
  /** Also keep people whose face was not found, as `body_only` observations [false]. */
  keepBodyOnly?: boolean;
  /** Faces with unclear score ≥ this get kind "unclear" [0.5]; `face_quality` is 1 − the unclear score. */
  unclearThreshold?: number;
  /** Dataset name [the images folder's name]. */
  name?: string;
  /** Called after each file with (files done, files total). */
  onProgress?: (done: number, total: number) => void;
}

/** A file that produced no observation, and why. */
export interface SkippedFile {
  /** Path relative to the images folder. */
  file: string;
  reason: string;
}

/** What {@link embedImages} did. */
export interface EmbedImagesResult {
  manifest: DatasetManifest;
  /** Candidate image files found. */
  files: number;
  /** Files that yielded at least one observation. */
  photos: number;
  faces: number;
  bodies: number;
  skipped: SkippedFile[];
  /** Columns of the `attributes` table left out as free columns (names, counts), with the reason. */
  attributesLeftOut: LeftOutColumn[];
  /** Provider that ran the models. */
  backend: BackendName;
  seconds: number;
  /** Seconds spent per stage (decode includes reading and EXIF). */
  stageSeconds: { decode: number; detect: number; align: number; embed: number; write: number };
}

interface Pending {
  record: ObservationRecord;
  photo: number;
  cues: FaceCues | null;
}

interface Loaded {
  rel: string;
  info: CaptureInfo;
  image: DecodedImage;
}

function readCsv(path: string, text: string, required: string[]): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true });
  } catch (e) {
    throw new DataFileError(path, `invalid CSV: ${(e as Error).message.split("\n")[0]}`);
  }
  const cols = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const missing = required.filter((c) => !cols.includes(c));
  if (rows.length > 0 && missing.length > 0) throw new DataFileError(path, `missing column(s): ${missing.join(", ")}`);
  return rows;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new DataFileError(path, `cannot read: ${(e as Error).message}`);
  }
}

/**
 * Reads `file,identity` labels. Files are matched by path relative to the images folder, or by
 * base name when that is unique.
 * @returns a lookup from relative path (or base name) to identity
 */
async function readPhotoLabels(path: string): Promise<Map<string, string>> {
  const rows = readCsv(path, await readText(path), ["file", "identity"]);
  const map = new Map<string, string>();
  for (const r of rows) map.set(r.file!.replaceAll("\\", "/"), r.identity!);
  return map;
}

async function readAttributes(
  path: string,
  columns: string[] | undefined,
): Promise<{ names: string[]; leftOut: LeftOutColumn[]; byIdentity: Map<string, Record<string, string>> }> {
  const rows = readCsv(path, await readText(path), ["identity"]);
  const all = rows.length > 0 ? Object.keys(rows[0]!).filter((c) => c !== "identity") : [];
  for (const c of columns ?? []) {
    if (!all.includes(c)) throw new DataFileError(path, `no attribute column "${c}" (has ${all.join(", ")})`);
  }
  // Subgroups only: free columns (names, counts) are left out unless asked for by name.
  const { names, leftOut } = selectAttributeColumns(all, rows, columns);
  const byIdentity = new Map<string, Record<string, string>>();
  for (const r of rows) byIdentity.set(r.identity!, Object.fromEntries(names.map((c) => [c, r[c] ?? ""])));
  return { names, leftOut, byIdentity };
}

function boxArray(b: Box, s: number): number[] {
  return [b.x1 * s, b.y1 * s, (b.x2 - b.x1) * s, (b.y2 - b.y1) * s];
}

/**
 * Picks the face that carries a photo's label: the largest face box; ties (within 5 %) go to the face
 * nearest the image centre, then to the lower index.
 * @param faces face boxes
 * @param width image width
 * @param height image height
 * @returns index of the labelled face, or −1 when there is none
 */
export function labelledFace(faces: readonly Box[], width: number, height: number): number {
  let best = -1, bestArea = -1, bestDist = Infinity;
  for (let i = 0; i < faces.length; i++) {
    const f = faces[i]!;
    const area = (f.x2 - f.x1) * (f.y2 - f.y1);
    const dist = Math.hypot((f.x1 + f.x2) / 2 - width / 2, (f.y1 + f.y2) / 2 - height / 2);
    const larger = area > bestArea * 1.05;
    const tieCloser = area >= bestArea * 0.95 && dist < bestDist;
    if (best < 0 || larger || tieCloser) {
      best = i;
      bestArea = area;
      bestDist = dist;
    }
  }
  return best;
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
  const root = resolve(options.images);
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Error("not a folder");
  } catch (e) {
    throw new DataFileError(root, `images folder cannot be read: ${(e as Error).message}`);
  }
  const layout = options.layout ?? "photos";
  const aligned = options.aligned ?? false;
  const bodyName = options.bodyModel ?? (aligned ? "none" : "osnet");
  if (aligned && bodyName !== "none") throw new RangeError('Aligned face crops have no bodies: use bodyModel "none"');
  const batch = options.batch ?? 32;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  const threads = options.threads ?? navigator.hardwareConcurrency;
  const session = {
    backend: options.backend ?? "auto",
    threads,
    rewritePrelu: options.rewritePrelu ?? true,
    neuralEngine: options.neuralEngine ?? false,
  };
  const modelsDir = resolveModelsDir(options.models);
  const face = resolveFaceModel(modelsDir, options.faceModel ?? "mobilefacenet");
  const labels = options.labels ? await readPhotoLabels(options.labels) : null;
  const attrs = options.attributes ? await readAttributes(options.attributes, options.attributeColumns) : null;

  const faceEmbedder = await Embedder.load(face.path, face.spec, session);
  const backend = faceEmbedder.model.backend;
  let detector: FaceDetector | null = null;
  let persons: YoloxPersonDetector | null = null;
  let bodyEmbedder: Embedder | null = null;
  if (!aligned) {
    const which = options.faceDetector ?? "yunet";
    detector = which === "yunet"
      ? await YuNetDetector.load(modelPath(modelsDir, MODEL_FILES.yunet), {
        ...session,
        inputSize: options.detectSize ?? 640,
        ...(options.faceThreshold !== undefined ? { scoreThreshold: options.faceThreshold } : {}),
      })
      : await UltraFaceDetector.load(modelPath(modelsDir, MODEL_FILES.ultraface), {
        ...session,
        ...(options.faceThreshold !== undefined ? { scoreThreshold: options.faceThreshold } : {}),
      });
    if (bodyName === "osnet") {
      persons = await YoloxPersonDetector.load(modelPath(modelsDir, MODEL_FILES.yolox), session);
      bodyEmbedder = await Embedder.load(modelPath(modelsDir, MODEL_FILES.osnet), BODY_MODELS.osnet!, session);
    }
  }

  // Entries the listing will not read (loops, folders named like images, unreadable files…) open skipped.csv.
  const { files, skipped: unread } = await listImages(root);
  const writer = await DatasetWriter.open(options.out, {
    name: options.name ?? root.split(sep).pop() ?? "photos",
    source: {},
    seed: null,
    face: { dim: faceEmbedder.dim, model: face.spec.name },
    body: bodyEmbedder ? { dim: bodyEmbedder.dim, model: bodyEmbedder.spec.name } : null,
    attributes: attrs?.names ?? [],
  });
  const calibration = {
    ...DEFAULT_CALIBRATION,
    embeddingNorm: [...normRampFor(face.spec.name), DEFAULT_CALIBRATION.embeddingNorm[2]] as [number, number, number],
  };
  const unclearThreshold = options.unclearThreshold ?? 0.5;
  const detectSize = options.detectSize ?? 640;
  const stage = { decode: 0, detect: 0, align: 0, embed: 0, write: 0 };
  const skipped: SkippedFile[] = [...unread];
  const records: Pending[] = [];
  const photoInfo: CaptureInfo[] = [];
  const timeSources: Record<TimeSource, number> = { exif: 0, file: 0, none: 0 };
  const conversions: Record<string, number> = {};
  let faceQueue: { p: Pending; crop: RgbImage }[] = [];
  let bodyQueue: { p: Pending; crop: RgbImage }[] = [];
  let faces = 0, bodies = 0, photos = 0;

  const flushFaces = async () => {
    if (faceQueue.length === 0) return;
    const q = faceQueue;
    faceQueue = [];
    const t = performance.now();
    const { vectors, norms } = await faceEmbedder.embed(q.map((x) => x.crop));
    stage.embed += (performance.now() - t) / 1000;
    const d = faceEmbedder.dim;
    for (let i = 0; i < q.length; i++) {
      const { p } = q[i]!;
      p.record.faceRow = await writer.addFace(vectors.subarray(i * d, (i + 1) * d));
      const cues = { ...p.cues!, embeddingNorm: norms[i]! };
      const u = unclearScore(cues, calibration);
      // face_quality is "higher = clearer" in format v1 (consumers keep the highest): store 1 − unclear.
      p.record.faceQuality = 1 - u;
      p.record.kind = u >= unclearThreshold ? "unclear" : "clear";
      faces++;
    }
  };
  const flushBodies = async () => {
    if (!bodyEmbedder || bodyQueue.length === 0) return;
    const q = bodyQueue;
    bodyQueue = [];
    const t = performance.now();
    const { vectors } = await bodyEmbedder.embed(q.map((x) => x.crop));
    stage.embed += (performance.now() - t) / 1000;
    const d = bodyEmbedder.dim;
    for (let i = 0; i < q.length; i++) {
      q[i]!.p.record.bodyRow = await writer.addBody(vectors.subarray(i * d, (i + 1) * d));
      bodies++;
    }
  };

  const load = async (rel: string): Promise<Loaded | SkippedFile> => {
    const path = join(root, rel);
    try {
      const bytes = await Deno.readFile(path);
      const mtime = options.fileTime ? (await Deno.stat(path)).mtime?.getTime() ?? NaN : NaN;
      const info = await readCaptureInfo(bytes, mtime, options.fileTime ?? false);
      const image = await decodeImage(bytes, { maxSide: options.maxSide ?? 4096 }, rel);
      return { rel, info, image };
    } catch (e) {
      return { file: rel, reason: e instanceof DataFileError ? e.problem : (e as Error).message };
    }
  };

  const identityOf = (rel: string): string => {
    if (layout === "identity-folders") {
      const parts = rel.split("/");
      return parts.length > 1 ? parts[0]! : "";
    }
    if (labels) return labels.get(rel) ?? labels.get(rel.split("/").pop()!) ?? "";
    return "";
  };

  // Decoding runs ahead of inference (libvips works on its own threads).
  const LOOKAHEAD = 2;
  const inflight: Promise<Loaded | SkippedFile>[] = [];
  let next = 0;
  const tDecodeStart = () => performance.now();
  for (let k = 0; k < files.length; k++) {
    while (inflight.length <= LOOKAHEAD && next < files.length) inflight.push(load(files[next++]!));
    const td = tDecodeStart();
    const item = await inflight.shift()!;
    stage.decode += (performance.now() - td) / 1000;
    if ("reason" in item) {
      skipped.push(item);
      options.onProgress?.(k + 1, files.length);
      continue;
    }
    const { rel, info, image } = item;
    for (const c of image.conversions) conversions[c] = (conversions[c] ?? 0) + 1;
    const photo = photoInfo.length;
    const identity = identityOf(rel);
    const attributes = attrs?.byIdentity.get(identity) ?? {};
    const base = (): ObservationRecord => ({
      asset: rel,
      moment: -1,
      time: info.time,
      lat: info.lat,
      lon: info.lon,
      identity: "",
      attributes: {},
      faceRow: -1,
      bodyRow: -1,
      faceQuality: NaN,
      faceBox: null,
      bodyBox: null,
      kind: "clear",
    });
    let made = 0;
    if (aligned) {
      const ta = performance.now();
      const crop = image.width === 112 && image.height === 112 ? image : await resizeRgb(image, 112, 112);
      const p: Pending = {
        record: { ...base(), identity, attributes, faceBox: [0, 0, image.originalWidth, image.originalHeight] },
        photo,
        cues: {
          detectorScore: NaN,
          faceSize: Math.min(image.originalWidth, image.originalHeight),
          sharpness: laplacianVariance(crop),
          yaw: yawProxy(ARCFACE_TEMPLATE),
          embeddingNorm: NaN,
        },
      };
      stage.align += (performance.now() - ta) / 1000;
      records.push(p);
      faceQueue.push({ p, crop });
      made++;
    } else {
      const td2 = performance.now();
      // One shared downscale for both detectors (each would otherwise resize the full image).
      const ds = Math.min(1, detectSize / Math.max(image.width, image.height));
      const small = ds < 1
        ? await resizeRgb(image, Math.max(1, Math.round(image.width * ds)), Math.max(1, Math.round(image.height * ds)))
        : image;
      const back = image.width / small.width;
      const dets: Detection[] = scaleDetections(await detector!.detect(small), back, image.width, image.height);
      const people = persons ? scaleDetections(await persons.detect(small), back, image.width, image.height) : [];
      stage.detect += (performance.now() - td2) / 1000;
      const ta = performance.now();
      const assignment = associateFaces(dets, people);
      const labelled = identity !== "" ? labelledFace(dets, image.width, image.height) : -1;
      const usedPerson = new Uint8Array(people.length);
      const s = image.scale;
      for (let i = 0; i < dets.length; i++) {
        const d = dets[i]!;
        let crop: RgbImage;
        try {
          crop = alignFace(image, d.landmarks!).crop;
        } catch {
          continue; // degenerate landmarks: not a usable face
        }
        const person = assignment[i]! >= 0 ? people[assignment[i]!]! : null;
        if (person) usedPerson[assignment[i]!] = 1;
        const body = bodyEmbedder ? (person ? upperBody(person) : bodyFromFace(d, image.width, image.height)) : null;
        const isLabelled = i === labelled;
        const p: Pending = {
          record: {
            ...base(),
            identity: isLabelled ? identity : "",
            attributes: isLabelled ? attributes : {},
            faceBox: boxArray(d, s),
            bodyBox: body ? boxArray(body, s) : null,
          },
          photo,
          cues: {
            detectorScore: d.score,
            faceSize: Math.min(d.x2 - d.x1, d.y2 - d.y1) * s,
            sharpness: laplacianVariance(crop),
            yaw: yawProxy(d.landmarks!),
            embeddingNorm: NaN,
          },
        };
        records.push(p);
        faceQueue.push({ p, crop });
        if (body && body.x2 - body.x1 >= 2 && body.y2 - body.y1 >= 2) {
          bodyQueue.push({ p, crop: cropResize(image, body, 128, 256) });
        }
        made++;
      }
      if (options.keepBodyOnly && bodyEmbedder) {
        for (let j = 0; j < people.length; j++) {
          if (usedPerson[j]) continue;
          const body = upperBody(people[j]!);
          const p: Pending = {
            record: { ...base(), bodyBox: boxArray(body, s), kind: "body_only" },
            photo,
            cues: null,
          };
          records.push(p);
          bodyQueue.push({ p, crop: cropResize(image, body, 128, 256) });
          made++;
        }
      }
      stage.align += (performance.now() - ta) / 1000;
    }
    if (made === 0) skipped.push({ file: rel, reason: "no face found" });
    else {
      photoInfo.push(info);
      timeSources[info.timeSource]++;
      photos++;
    }
    if (faceQueue.length >= batch) await flushFaces();
    if (bodyQueue.length >= batch) await flushBodies();
    options.onProgress?.(k + 1, files.length);
  }
  await flushFaces();
  await flushBodies();

  const tw = performance.now();
  const moment = groupMoments(
    Float64Array.from(photoInfo, (i) => i.time),
    Float64Array.from(photoInfo, (i) => i.lat),
    Float64Array.from(photoInfo, (i) => i.lon),
    options.moments ?? {},
  );
  for (const p of records) {
    p.record.moment = moment[p.photo]!;
    await writer.addObservation(p.record);
  }
  const seconds = (performance.now() - t0) / 1000;
  writer.options.source = {
    tool: "pb embed",
    images: root,
    layout,
    aligned,
    labels: options.labels ? resolve(options.labels) : null,
    attributes: options.attributes ? resolve(options.attributes) : null,
    backend,
    threads,
    batch,
    models: {
      folder: modelsDir,
      face: {
        name: face.spec.name,
        file: face.path,
        prelu: faceEmbedder.model.prelu && omitBytes(faceEmbedder.model.prelu),
      },
      detector: detector ? { name: detector.name, file: detector.model.path } : null,
      person: persons ? { name: persons.name, file: persons.model.path } : null,
      body: bodyEmbedder ? { name: bodyEmbedder.spec.name, file: bodyEmbedder.model.path } : null,
    },
    moments: {
      maxGapMs: options.moments?.maxGapMs ?? 3 * 3600 * 1000,
      maxDistanceKm: options.moments?.maxDistanceKm ?? 1,
    },
    timeSources,
    conversions,
    files: files.length,
    photos,
    skipped: skipped.length,
    unclearThreshold,
  };
  writer.options.notes = `Built by pb embed from ${files.length} files (${skipped.length} skipped, see skipped.csv). ` +
    `Times from EXIF: ${timeSources.exif}, from file modification time: ${timeSources.file}, unknown: ${timeSources.none}.` +
    (attrs && attrs.leftOut.length > 0
      ? ` Attribute columns left out: ${attrs.leftOut.map((c) => `${c.column} (${c.reason})`).join(", ")}.`
      : "");
  const manifest = await writer.close();
  await writeFileAtomic(
    join(options.out, "skipped.csv"),
    stringify([["file", "reason"], ...skipped.map((s) => [s.file, s.reason])]),
  );
  stage.write += (performance.now() - tw) / 1000;
  return {
    manifest,
    files: files.length,
    photos,
    faces,
    bodies,
    skipped,
    attributesLeftOut: attrs?.leftOut ?? [],
    backend,
    seconds,
    stageSeconds: stage,
  };
}

function omitBytes<T extends { bytes: Uint8Array }>(o: T): Omit<T, "bytes"> {
  const { bytes: _bytes, ...rest } = o;
  return rest;
}
