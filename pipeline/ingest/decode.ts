/**
 * Decode stage: read a file, its EXIF capture time and GPS, and its pixels (upright 8-bit RGB) — either
 * the whole photo (aligned crops), or a copy at the detector's scale (shrink on load) first and later
 * only the region that the face and body crops read, at full resolution.
 * Failures come back as a {@link SkippedFile} with the reason, never as an exception.
 * @module
 */
import { join } from "node:path";
import sharp, { type Sharp } from "sharp";
import { DataFileError } from "../../base/errors.ts";
import type { RgbRegion } from "../align/similarity.ts";
import { decodeImage, readImageHeader, type RgbImage, rgbPixels } from "../image/decode.ts";
import { readCaptureInfo } from "../image/exif.ts";
import type { DecodedPhoto, SkippedFile } from "./types.ts";

/** Options of the decode stage. */
export interface DecodeStageOptions {
  /** Decode at most this many pixels on the longer side. */
  maxSide: number;
  /** Fall back to the file's modification time when EXIF has no capture time. */
  fileTime: boolean;
}

/** The reason to report for a failed file. */
export function skipReason(e: unknown): string {
  return e instanceof DataFileError ? e.problem : (e as Error).message;
}

/**
 * Reads the file's bytes and modification time (only when `fileTime` asks for it) and its EXIF.
 * @param root images folder
 * @param rel path relative to it
 * @param fileTime whether the modification time is needed
 * @returns the bytes and capture info
 */
export async function readPhotoFile(root: string, rel: string, fileTime: boolean) {
  const path = join(root, rel);
  const bytes = await Deno.readFile(path);
  const mtime = fileTime ? (await Deno.stat(path)).mtime?.getTime() ?? NaN : NaN;
  const info = await readCaptureInfo(bytes, mtime, fileTime);
  return { bytes, info };
}

/**
 * Decodes one photo at full resolution (up to `maxSide`).
 * @param root images folder
 * @param rel path relative to it
 * @param options size limit and time fallback
 * @returns the decoded photo, or why it was skipped
 */
export async function decodePhoto(
  root: string,
  rel: string,
  options: DecodeStageOptions,
): Promise<DecodedPhoto | SkippedFile> {
  try {
    const { bytes, info } = await readPhotoFile(root, rel, options.fileTime);
    const image = await decodeImage(bytes, { maxSide: options.maxSide }, rel);
    return { rel, info, image };
  } catch (e) {
    return { file: rel, reason: skipReason(e) };
  }
}

/** What a photo's header says, and the frame (≤ maxSide) its boxes and crops are measured in. */
export interface PhotoHeader {
  /** Format found in the bytes. */
  format: string;
  orientation: number;
  /** Upright original size. */
  originalWidth: number;
  originalHeight: number;
  /** Frame size: the upright original, scaled down (Lanczos) so the longer side is ≤ maxSide. */
  width: number;
  height: number;
  /** Original pixels per frame pixel (≥ 1). */
  scale: number;
  conversions: string[];
}

const MAX_PIXELS = 268402689;

/**
 * Reads the header only (no pixels): format, orientation, sizes and the conversions decoding will make.
 * @param bytes the encoded file
 * @param name the name used in errors
 * @param maxSide longer side of the frame
 * @returns the header
 * @throws {DataFileError} for an empty file or bytes that are not a supported image
 */
export async function readPhotoHeader(bytes: Uint8Array, name: string, maxSide: number): Promise<PhotoHeader> {
  // The same header, notes and frame as decodeImage(), so datasets do not depend on which decoder ran.
  const { format, orientation, width: ow, height: oh, conversions } = await readImageHeader(bytes, name, MAX_PIXELS);
  const s = Math.max(1, Math.max(ow, oh) / maxSide);
  if (s > 1) conversions.push("downscaled");
  const width = s > 1 ? Math.max(1, Math.round(ow / s)) : ow, height = s > 1 ? Math.max(1, Math.round(oh / s)) : oh;
  return {
    format,
    orientation,
    originalWidth: ow,
    originalHeight: oh,
    width,
    height,
    scale: Math.max(ow / width, oh / height),
    conversions,
  };
}

function open(bytes: Uint8Array): Sharp {
  return sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: "error" }).rotate();
}

/**
 * Whether decoding straight to `width` × `height` would use DCT scaling (sharp's JPEG shrink on load with
 * `fastShrinkOnLoad` off: only from a 4× reduction, leaving ≥ 2× to the linear reduce; other formats never).
 * When it would not, the pipeline decodes the frame once and resizes the detection copy from it instead:
 * the same pixels for less work than a second full decode of the crop region.
 * @param header the photo's header
 * @param width detection copy width
 * @param height detection copy height
 * @returns true when shrink on load applies
 */
export function shrinksOnLoad(header: PhotoHeader, width: number, height: number): boolean {
  const shrink = Math.min(header.originalWidth / width, header.originalHeight / height);
  return header.format === "jpeg" && shrink >= 4;
}

/**
 * Decodes a photo straight to a smaller size: JPEG and WebP shrink on load (libjpeg's DCT scaling by
 * 1/2, 1/4 or 1/8) and the rest is reduced with a linear kernel, so a 20-megapixel photo is never
 * expanded to full size to feed a 640-pixel detector.
 * @param bytes the encoded file
 * @param name the name used in errors
 * @param header its header
 * @param width output width (the frame's width when equal to it: an exact full decode)
 * @param height output height
 * @returns upright 8-bit RGB of exactly width × height
 * @throws {DataFileError} for truncated or corrupt data
 */
export async function decodeScaled(
  bytes: Uint8Array,
  name: string,
  header: PhotoHeader,
  width: number,
  height: number,
): Promise<RgbImage> {
  const full = width === header.width && height === header.height;
  if (full) return await decodeFrame(bytes, name, header);
  // fastShrinkOnLoad off: libjpeg's DCT scaling stops one step early, leaving at least 2× for the
  // linear reduce, so the copy stays within a grey level or two of a full decode and resize.
  const pipe = open(bytes).resize({ width, height, fit: "fill", kernel: "linear", fastShrinkOnLoad: false });
  return await rgbPixels(pipe, name);
}

function frame(bytes: Uint8Array, header: PhotoHeader): Sharp {
  const pipe = open(bytes);
  return header.scale > 1 && (header.width !== header.originalWidth || header.height !== header.originalHeight)
    ? pipe.resize({ width: header.width, height: header.height, fit: "fill", kernel: "lanczos3" })
    : pipe;
}

/**
 * Decodes the whole frame (the photo up to maxSide), as `decodeImage()` does.
 * @param bytes the encoded file
 * @param name the name used in errors
 * @param header its header
 * @returns the frame's pixels
 * @throws {DataFileError} for truncated or corrupt data
 */
export async function decodeFrame(bytes: Uint8Array, name: string, header: PhotoHeader): Promise<RgbImage> {
  return await rgbPixels(frame(bytes, header), name);
}

/**
 * Decodes one rectangle of the frame: the pixels equal those of the whole frame there, but only the
 * rectangle is converted and kept (libvips decodes on demand, stopping after its last row).
 * @param bytes the encoded file
 * @param name the name used in errors
 * @param header its header
 * @param box x0 y0 x1 y1 in frame pixels (exclusive ends)
 * @returns the region, addressed in frame coordinates
 * @throws {DataFileError} for truncated or corrupt data
 */
export async function decodeRegion(
  bytes: Uint8Array,
  name: string,
  header: PhotoHeader,
  box: { x0: number; y0: number; x1: number; y1: number },
): Promise<RgbRegion> {
  const fw = header.width, fh = header.height;
  let x0 = Math.max(0, box.x0), y0 = Math.max(0, box.y0);
  let x1 = Math.min(fw, box.x1), y1 = Math.min(fh, box.y1);
  // sharp turns an EXIF-rotated photo before resizing when it extracts, after resizing when it does not:
  // the Lanczos taps then differ by a grey level or two. Such photos (turned and larger than maxSide)
  // decode whole, as decodeImage() does; libvips has to read every row to turn them anyway.
  if (header.scale > 1 && header.orientation !== 1) x0 = 0, y0 = 0, x1 = fw, y1 = fh;
  const whole = x0 === 0 && y0 === 0 && x1 === fw && y1 === fh;
  const pipe = whole ? frame(bytes, header) : frame(bytes, header).extract({
    left: x0,
    top: y0,
    width: x1 - x0,
    height: y1 - y0,
  });
  const img = await rgbPixels(pipe, name);
  return { ...img, left: x0, top: y0, fullWidth: fw, fullHeight: fh };
}

/**
 * Scales (original pixels per source pixel) at which a JPEG decodes cheaply as a crop source, cheapest
 * first. sharp's fast shrink on load takes libjpeg's DCT scaling by 1/8 from a 9× reduction, by 1/4 from
 * 5× and by 1/2 from 3× (just below each it halves the DCT step), leaving a linear reduce of 1.125–1.5×;
 * 2 is a full decode and a 2× linear reduce, cheaper only than a frame that has to be resized (photos
 * larger than maxSide). On a 20-megapixel photo: about 75, 115, 150 and 390 ms of CPU against 580 ms
 * for the Lanczos frame.
 */
export const SCALED_SOURCES: readonly number[] = [9, 5, 3, 2];

/**
 * Source pixels each crop pixel needs at least before a scaled source may replace the frame: 1, so no
 * crop magnifies what the original has more detail for (measured on 18 20-megapixel photos: face
 * embeddings at cosine ≥ 0.996 of the frame's, median 0.999; bodies ≥ 0.994).
 */
export const MIN_CROP_DETAIL = 1;

/**
 * The coarsest cheap scale ({@link SCALED_SOURCES}) that still gives every crop `minDetail` source pixels
 * per crop pixel, or null to cut the crops from the frame (not a JPEG, faces too small, or the frame is
 * already as coarse).
 * @param header the photo's header
 * @param detail original pixels per crop pixel of the most demanding crop
 * @param minDetail source pixels per crop pixel to keep [MIN_CROP_DETAIL]
 * @returns original pixels per source pixel, or null
 */
export function cropSourceScale(header: PhotoHeader, detail: number, minDetail = MIN_CROP_DETAIL): number | null {
  if (header.format !== "jpeg") return null;
  for (const k of SCALED_SOURCES) {
    if (k === 2 && header.scale === 1) break; // the frame is the original: decoding it costs no more
    if (k > header.scale && detail / k >= minDetail) return k;
  }
  return null;
}

/**
 * Size of the upright photo decoded at `k` original pixels per pixel (rounded down, so sharp's shrink is
 * at least k and its DCT step is the one {@link SCALED_SOURCES} promises).
 * @param header the photo's header
 * @param k original pixels per source pixel
 * @returns width and height
 */
export function scaledSize(header: PhotoHeader, k: number): { width: number; height: number } {
  return {
    width: Math.max(1, Math.floor(header.originalWidth / k)),
    height: Math.max(1, Math.floor(header.originalHeight / k)),
  };
}

/**
 * Decodes one rectangle of the upright photo scaled to `width` × `height` (JPEG DCT scaling on load and a
 * linear reduce): a crop source for faces and bodies large enough not to need the frame's resolution.
 * EXIF-turned photos decode whole at that scale (sharp turns them before an extract, and then cannot
 * shrink on load).
 * @param bytes the encoded file
 * @param name the name used in errors
 * @param size the scaled size ({@link scaledSize})
 * @param box x0 y0 x1 y1 in scaled pixels (exclusive ends)
 * @param orientation the EXIF orientation
 * @returns the region, addressed in scaled coordinates
 * @throws {DataFileError} for truncated or corrupt data
 */
export async function decodeScaledRegion(
  bytes: Uint8Array,
  name: string,
  size: { width: number; height: number },
  box: { x0: number; y0: number; x1: number; y1: number },
  orientation: number,
): Promise<RgbRegion> {
  const { width: fw, height: fh } = size;
  let x0 = Math.max(0, box.x0), y0 = Math.max(0, box.y0);
  let x1 = Math.min(fw, box.x1), y1 = Math.min(fh, box.y1);
  if (orientation !== 1) x0 = 0, y0 = 0, x1 = fw, y1 = fh;
  const whole = x0 === 0 && y0 === 0 && x1 === fw && y1 === fh;
  const scaled = open(bytes).resize({ width: fw, height: fh, fit: "fill", kernel: "linear", fastShrinkOnLoad: true });
  const pipe = whole ? scaled : scaled.extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 });
  const img = await rgbPixels(pipe, name);
  return { ...img, left: x0, top: y0, fullWidth: fw, fullHeight: fh };
}
