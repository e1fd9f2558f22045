/**
 * Detect+align stage: faces and people on a downscaled copy, face↔body association, the photo's
 * labelled face, ArcFace alignment and upper-body crops — everything that turns one decoded photo into
 * observations waiting for their embeddings.
 * @module
 */
import type { ObservationRecord } from "../../datasets/format.ts";
import {
  type Affine,
  affineFromScaled,
  ARCFACE_TEMPLATE,
  cropTransform,
  estimateSimilarity,
  type RgbRegion,
  warpAffine,
  warpShrink,
  warpSourceBox,
} from "../align/similarity.ts";
import { associateFaces, bodyFromFace, type Box, upperBody } from "../associate.ts";
import { type Detection, scaleDetections } from "../detect/nms.ts";
import { type DecodedImage, resizeRgb, type RgbImage } from "../image/decode.ts";
import type { CaptureInfo } from "../image/exif.ts";
import { laplacianVariance, yawProxy } from "../quality.ts";
import type { ModelSet } from "./models.ts";
import type { LabelFaceRule, PendingObservation } from "./types.ts";

/** Faces and people found in a photo, in the decoded image's pixels. */
export interface PhotoDetections {
  faces: Detection[];
  people: Detection[];
}

/** Observations of one photo with the crops their embeddings come from. */
export interface PhotoObservations {
  observations: PendingObservation[];
  /** Aligned 112×112 face crops (one per observation with a face). */
  faces: { p: PendingObservation; crop: RgbImage }[];
  /** Upper-body crops 128×256. */
  bodies: { p: PendingObservation; crop: RgbImage }[];
}

/** What the detect+align stage needs to know about a photo besides its pixels. */
export interface PhotoContext {
  rel: string;
  info: CaptureInfo;
  /** Index among photos with observations. */
  photo: number;
  identity: string;
  attributes: Record<string, string>;
  withBodies: boolean;
  keepBodyOnly: boolean;
  /** Which face carries the photo's identity label [largest]. */
  labelFace?: LabelFaceRule;
}

/**
 * Size of the shared detection copy: the longer side scaled down to `detectSize` (never up).
 * @param width image width
 * @param height image height
 * @param detectSize longer side for detection
 * @returns the copy's width and height
 */
export function detectionSize(width: number, height: number, detectSize: number): { width: number; height: number } {
  const ds = Math.min(1, detectSize / Math.max(width, height));
  if (ds >= 1) return { width, height };
  return { width: Math.max(1, Math.round(width * ds)), height: Math.max(1, Math.round(height * ds)) };
}

/**
 * Runs the face and person detectors on one downscaled copy (each would otherwise resize the full image)
 * and maps the detections back to the image's pixels.
 * @param models loaded detectors
 * @param image the decoded photo
 * @param detectSize longer side for detection
 * @returns faces and people in the image's pixels
 */
export async function detectPhoto(models: ModelSet, image: RgbImage, detectSize: number): Promise<PhotoDetections> {
  const size = detectionSize(image.width, image.height, detectSize);
  const small = await resizeRgb(image, size.width, size.height);
  return await detectOnCopy(models, small, image.width, image.height);
}

/**
 * Runs the detectors on an already downscaled copy of an image of `width` × `height` pixels.
 * @param models loaded detectors
 * @param small the detection copy
 * @param width full image width
 * @param height full image height
 * @returns faces and people in the full image's pixels
 */
export async function detectOnCopy(
  models: ModelSet,
  small: RgbImage,
  width: number,
  height: number,
): Promise<PhotoDetections> {
  const back = width / small.width;
  const faces = scaleDetections(await models.detector!.detect(small), back, width, height);
  const people = models.persons ? scaleDetections(await models.persons.detect(small), back, width, height) : [];
  return { faces, people };
}

function boxArray(b: Box, s: number): number[] {
  return [b.x1 * s, b.y1 * s, (b.x2 - b.x1) * s, (b.y2 - b.y1) * s];
}

/**
 * Picks the face that carries a photo's label. `largest`: the largest face box; ties (within 5 %) go to the
 * face nearest the image centre. `central`: the face whose centre is nearest the image centre (layouts that
 * centre one named person, like LFW, where the largest face is sometimes a bystander cut by the frame); ties
 * (within 5 % of the distance) go to the larger face. Then the lower index.
 * @param faces face boxes
 * @param width image width
 * @param height image height
 * @param rule which face [largest]
 * @returns index of the labelled face, or −1 when there is none
 */
export function labelledFace(
  faces: readonly Box[],
  width: number,
  height: number,
  rule: LabelFaceRule = "largest",
): number {
  let best = -1, bestArea = -1, bestDist = Infinity;
  for (let i = 0; i < faces.length; i++) {
    const f = faces[i]!;
    const area = (f.x2 - f.x1) * (f.y2 - f.y1);
    const dist = Math.hypot((f.x1 + f.x2) / 2 - width / 2, (f.y1 + f.y2) / 2 - height / 2);
    const better = rule === "largest"
      ? area > bestArea * 1.05 || (area >= bestArea * 0.95 && dist < bestDist)
      : dist < bestDist * 0.95 || (dist <= bestDist * 1.05 && area > bestArea);
    if (best < 0 || better) {
      best = i;
      bestArea = area;
      bestDist = dist;
    }
  }
  return best;
}

function baseRecord(rel: string, info: CaptureInfo): ObservationRecord {
  return {
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
  };
}

/** Image size and the factor from its pixels to the original's. */
export interface ImageFrame {
  width: number;
  height: number;
  /** Original pixels per image pixel. */
  scale: number;
}

/** A crop to cut: the observation it belongs to, the warp, and the output size. */
export interface CropJob {
  p: PendingObservation;
  kind: "face" | "body";
  m: Affine;
  width: number;
  height: number;
}

/** Observations of one photo and the crops still to cut for them. */
export interface PhotoPlan {
  observations: PendingObservation[];
  jobs: CropJob[];
}

/**
 * Turns detections into observations and crop jobs (no pixels needed): association, labelled face,
 * alignment transforms and body boxes. Faces with degenerate landmarks are dropped.
 * @param frame the image's size and scale to original pixels
 * @param dets faces and people in the image's pixels
 * @param ctx the photo's metadata
 * @returns observations (sharpness cue still unknown) and their crop jobs
 */
export function planPhoto(frame: ImageFrame, dets: PhotoDetections, ctx: PhotoContext): PhotoPlan {
  const { faces, people } = dets;
  const plan: PhotoPlan = { observations: [], jobs: [] };
  const assignment = associateFaces(faces, people);
  const labelled = ctx.identity !== "" ? labelledFace(faces, frame.width, frame.height, ctx.labelFace) : -1;
  const usedPerson = new Uint8Array(people.length);
  const s = frame.scale;
  const bodyJob = (p: PendingObservation, body: Box) =>
    plan.jobs.push({ p, kind: "body", m: cropTransform(body, 128, 256), width: 128, height: 256 });
  for (let i = 0; i < faces.length; i++) {
    const d = faces[i]!;
    let m: Affine;
    try {
      m = estimateSimilarity(d.landmarks!, ARCFACE_TEMPLATE);
    } catch {
      continue; // degenerate landmarks: not a usable face
    }
    const person = assignment[i]! >= 0 ? people[assignment[i]!]! : null;
    if (person) usedPerson[assignment[i]!] = 1;
    const body = ctx.withBodies ? (person ? upperBody(person) : bodyFromFace(d, frame.width, frame.height)) : null;
    const isLabelled = i === labelled;
    const p: PendingObservation = {
      record: {
        ...baseRecord(ctx.rel, ctx.info),
        identity: isLabelled ? ctx.identity : "",
        attributes: isLabelled ? ctx.attributes : {},
        faceBox: boxArray(d, s),
        bodyBox: body ? boxArray(body, s) : null,
      },
      photo: ctx.photo,
      cues: {
        detectorScore: d.score,
        faceSize: Math.min(d.x2 - d.x1, d.y2 - d.y1) * s,
        sharpness: NaN,
        yaw: yawProxy(d.landmarks!),
        embeddingNorm: NaN,
      },
    };
    plan.observations.push(p);
    plan.jobs.push({ p, kind: "face", m, width: 112, height: 112 });
    if (body && body.x2 - body.x1 >= 2 && body.y2 - body.y1 >= 2) bodyJob(p, body);
  }
  if (ctx.keepBodyOnly && ctx.withBodies) {
    for (let j = 0; j < people.length; j++) {
      if (usedPerson[j]) continue;
      const body = upperBody(people[j]!);
      const p: PendingObservation = {
        record: { ...baseRecord(ctx.rel, ctx.info), bodyBox: boxArray(body, s), kind: "body_only" },
        photo: ctx.photo,
        cues: null,
      };
      plan.observations.push(p);
      bodyJob(p, body);
    }
  }
  return plan;
}

/**
 * The part of the image a plan's crops read (union of their {@link warpSourceBox}es).
 * @param plan the photo's crop jobs
 * @param frame the image's size
 * @returns the box x0 y0 x1 y1 (exclusive ends), or null when no crop reads any pixel
 */
export function planSourceBox(
  plan: PhotoPlan,
  frame: ImageFrame,
): { x0: number; y0: number; x1: number; y1: number } | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const j of plan.jobs) {
    const b = warpSourceBox(j.m, j.width, j.height, frame.width, frame.height);
    if (b.x1 <= b.x0 || b.y1 <= b.y0) continue;
    x0 = Math.min(x0, b.x0), y0 = Math.min(y0, b.y0), x1 = Math.max(x1, b.x1), y1 = Math.max(y1, b.y1);
  }
  return x1 > x0 && y1 > y0 ? { x0, y0, x1, y1 } : null;
}

/**
 * The least detail any of a plan's crops needs: the smallest number of original pixels per crop pixel
 * (crops that read no pixel are left out). A source with fewer pixels than this per original pixel
 * would make that crop magnify.
 * @param plan the photo's crop jobs, in frame coordinates
 * @param frame the frame's size and its scale to original pixels
 * @returns original pixels per crop pixel of the most demanding crop (Infinity without crops)
 */
export function planDetail(plan: PhotoPlan, frame: ImageFrame): number {
  let least = Infinity;
  for (const j of plan.jobs) {
    const b = warpSourceBox(j.m, j.width, j.height, frame.width, frame.height);
    if (b.x1 > b.x0 && b.y1 > b.y0) least = Math.min(least, warpShrink(j.m) * frame.scale);
  }
  return least;
}

/**
 * The same plan read from a resampled copy of the frame ({@link affineFromScaled}).
 * @param plan crop jobs in frame coordinates
 * @param sx frame pixels per copy pixel, horizontally
 * @param sy frame pixels per copy pixel, vertically
 * @returns the plan with every transform taking copy coordinates (the observations are shared)
 */
export function rescalePlan(plan: PhotoPlan, sx: number, sy: number): PhotoPlan {
  return { observations: plan.observations, jobs: plan.jobs.map((j) => ({ ...j, m: affineFromScaled(j.m, sx, sy) })) };
}

/**
 * Cuts a plan's crops (faces aligned to the ArcFace template, upper bodies 128×256) and sets each
 * face's sharpness cue.
 * @param image the photo, or a {@link RgbRegion} of it covering {@link planSourceBox}
 * @param plan observations and crop jobs
 * @returns observations with their crops
 */
export function cutCrops(image: RgbImage | RgbRegion, plan: PhotoPlan): PhotoObservations {
  const out: PhotoObservations = { observations: plan.observations, faces: [], bodies: [] };
  for (const j of plan.jobs) {
    const crop = warpAffine(image, j.m, j.width, j.height);
    if (j.kind === "face") {
      j.p.cues!.sharpness = laplacianVariance(crop);
      out.faces.push({ p: j.p, crop });
    } else out.bodies.push({ p: j.p, crop });
  }
  return out;
}

/**
 * Turns detections into observations: association, labelled face, alignment and body crops.
 * @param image pixels the crops are cut from (the whole image, or a region covering {@link planSourceBox})
 * @param frame the full image's size and scale to original pixels
 * @param dets faces and people in the image's pixels
 * @param ctx the photo's metadata
 * @returns observations and crops (faces with degenerate landmarks are dropped)
 */
export function alignPhoto(
  image: RgbImage | RgbRegion,
  frame: ImageFrame,
  dets: PhotoDetections,
  ctx: PhotoContext,
): PhotoObservations {
  return cutCrops(image, planPhoto(frame, dets, ctx));
}

/**
 * An already aligned face crop (celeb24-style input) as one observation.
 * @param image the decoded crop
 * @param ctx the photo's metadata
 * @returns the observation and its 112×112 crop
 */
export async function alignedObservation(image: DecodedImage, ctx: PhotoContext): Promise<PhotoObservations> {
  const crop = image.width === 112 && image.height === 112 ? image : await resizeRgb(image, 112, 112);
  const p: PendingObservation = {
    record: {
      ...baseRecord(ctx.rel, ctx.info),
      identity: ctx.identity,
      attributes: ctx.attributes,
      faceBox: [0, 0, image.originalWidth, image.originalHeight],
    },
    photo: ctx.photo,
    cues: {
      detectorScore: NaN,
      faceSize: Math.min(image.originalWidth, image.originalHeight),
      sharpness: laplacianVariance(crop),
      yaw: yawProxy(ARCFACE_TEMPLATE),
      embeddingNorm: NaN,
    },
  };
  return { observations: [p], faces: [{ p, crop }], bodies: [] };
}
