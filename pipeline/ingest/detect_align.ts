/**
 * Detect+align stage: faces and people on a downscaled copy, face↔body association, the photo's
 * labelled face, ArcFace alignment and upper-body crops — everything that turns one decoded photo into
 * observations waiting for their embeddings.
 * @module
 */
import type { ObservationRecord } from "../../datasets/format.ts";
import { alignFace, ARCFACE_TEMPLATE, cropResize } from "../align/similarity.ts";
import { associateFaces, bodyFromFace, type Box, upperBody } from "../associate.ts";
import { type Detection, scaleDetections } from "../detect/nms.ts";
import { type DecodedImage, resizeRgb, type RgbImage } from "../image/decode.ts";
import type { CaptureInfo } from "../image/exif.ts";
import { laplacianVariance, yawProxy } from "../quality.ts";
import type { ModelSet } from "./models.ts";
import type { PendingObservation } from "./types.ts";

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

/**
 * Turns detections into observations: association, labelled face, alignment and body crops.
 * @param image pixels the crops are cut from (any {@link RgbImage} whose coordinates match `frame`;
 *   a region of it suffices when it covers every crop, see `pipeline/ingest/regions.ts`)
 * @param frame the full image's size and scale to original pixels
 * @param dets faces and people in the image's pixels
 * @param ctx the photo's metadata
 * @returns observations and crops (faces with degenerate landmarks are dropped)
 */
export function alignPhoto(
  image: RgbImage,
  frame: ImageFrame,
  dets: PhotoDetections,
  ctx: PhotoContext,
): PhotoObservations {
  const { faces, people } = dets;
  const out: PhotoObservations = { observations: [], faces: [], bodies: [] };
  const assignment = associateFaces(faces, people);
  const labelled = ctx.identity !== "" ? labelledFace(faces, frame.width, frame.height) : -1;
  const usedPerson = new Uint8Array(people.length);
  const s = frame.scale;
  for (let i = 0; i < faces.length; i++) {
    const d = faces[i]!;
    let crop: RgbImage;
    try {
      crop = alignFace(image, d.landmarks!).crop;
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
        sharpness: laplacianVariance(crop),
        yaw: yawProxy(d.landmarks!),
        embeddingNorm: NaN,
      },
    };
    out.observations.push(p);
    out.faces.push({ p, crop });
    if (body && body.x2 - body.x1 >= 2 && body.y2 - body.y1 >= 2) {
      out.bodies.push({ p, crop: cropResize(image, body, 128, 256) });
    }
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
      out.observations.push(p);
      out.bodies.push({ p, crop: cropResize(image, body, 128, 256) });
    }
  }
  return out;
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
