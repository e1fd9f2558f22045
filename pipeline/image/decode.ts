/**
 * Image decoding with sharp (libvips): the real format is sniffed from the bytes (a WebP named .jpg
 * decodes as WebP), EXIF orientation is applied, grey / CMYK / alpha / 16-bit inputs become 8-bit
 * sRGB, and very large images are downscaled on load (coordinates map back through `scale`).
 * @module
 */
import sharp, { type Sharp } from "sharp";
import { DataFileError } from "../../base/errors.ts";

/** An 8-bit RGB image in row-major interleaved order. */
export interface RgbImage {
  /** width × height × 3 bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** A decoded photo. */
export interface DecodedImage extends RgbImage {
  /** Size of the upright (EXIF-rotated) original, in pixels. */
  originalWidth: number;
  originalHeight: number;
  /** Original pixels per decoded pixel (≥ 1): multiply decoded coordinates by it. */
  scale: number;
  /** Format found in the bytes ("jpeg", "webp", "png", …), whatever the file name says. */
  format: string;
  /** EXIF orientation tag (1 when absent). */
  orientation: number;
  /** Notes on conversions made ("cmyk", "grey", "alpha", "16-bit", "downscaled"). */
  conversions: string[];
}

/** Options for {@link decodeImage}. */
export interface DecodeOptions {
  /** Downscale so the longer side is at most this many pixels [4096]. */
  maxSide?: number;
  /** Refuse images with more pixels than this (decompression bombs) [2.7e8, sharp's default]. */
  maxPixels?: number;
}

/**
 * One line for a sharp failure. `pixels`: the header was read, decoding the pixels failed — the data is
 * bad whatever libvips says (under concurrent decodes its message can come back as "Unknown error").
 * @param e what sharp threw
 * @param stage which step failed
 * @returns the problem, for a {@link DataFileError}
 */
export function decodeProblem(e: unknown, stage: "header" | "pixels"): string {
  const m = ((e as Error)?.message ?? String(e)).split("\n")[0]!.trim();
  if (/unsupported image format/i.test(m)) return "not a supported image (unrecognised format)";
  if (/pixel limit/i.test(m)) return `image too large (${m})`;
  if (stage === "pixels" || /premature end|truncated|end of file|corrupt|invalid|bad|read error/i.test(m)) {
    return `truncated or corrupt image data (${m})`;
  }
  return `cannot decode: ${m}`;
}

/**
 * Decodes an image file or buffer to 8-bit upright RGB.
 * @param input file path or encoded bytes
 * @param options size limits
 * @param name the name used in errors (defaults to the path)
 * @returns the pixels and how they relate to the original
 * @throws {DataFileError} naming the file and the problem (empty, not an image, truncated, too large)
 * @example
 * ```ts ignore
 * const img = await decodeImage("photo.jpg", { maxSide: 2048 });
 * ```
 */
export async function decodeImage(
  input: string | Uint8Array,
  options: DecodeOptions = {},
  name = typeof input === "string" ? input : "<buffer>",
): Promise<DecodedImage> {
  const maxSide = options.maxSide ?? 4096;
  const maxPixels = options.maxPixels ?? 268402689;
  let bytes: Uint8Array;
  try {
    bytes = typeof input === "string" ? await Deno.readFile(input) : input;
  } catch (e) {
    throw new DataFileError(name, `cannot read: ${(e as Error).message}`);
  }
  const { orientation, width: ow, height: oh, conversions, format } = await readImageHeader(bytes, name, maxPixels);

  const scale = Math.max(1, Math.max(ow, oh) / maxSide);
  let pipe = sharp(bytes, { limitInputPixels: maxPixels, failOn: "error" }).rotate();
  if (scale > 1) {
    conversions.push("downscaled");
    pipe = pipe.resize({
      width: Math.max(1, Math.round(ow / scale)),
      height: Math.max(1, Math.round(oh / scale)),
      fit: "fill",
      kernel: "lanczos3",
    });
  }
  const { data, width, height } = await rgbPixels(pipe, name);
  return {
    data,
    width,
    height,
    originalWidth: ow,
    originalHeight: oh,
    scale: Math.max(ow / width, oh / height),
    format,
    orientation,
    conversions,
  };
}

/**
 * The pixels of a sharp pipeline as 8-bit RGB: transparency flattened on white, sRGB, grey or extra channels
 * converted by {@link toRgb}. The one pixel read of every decoder (whole image, scaled copy, region).
 *
 * @param pipe a sharp pipeline (rotation, resize or extraction already applied)
 * @param name file name for the error
 * @throws {DataFileError} naming the file when the pixels cannot be decoded
 */
export async function rgbPixels(pipe: Sharp, name: string): Promise<RgbImage> {
  let raw: { data: Uint8Array; info: { width: number; height: number; channels: number } };
  try {
    raw = await pipe
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new DataFileError(name, decodeProblem(e, "pixels"));
  }
  const { width, height, channels } = raw.info;
  let data = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  if (channels !== 3) data = toRgb(data, width * height, channels);
  return { data, width, height };
}

/** What an image's header says, before any pixel is decoded. */
export interface ImageHeader {
  format: string;
  /** EXIF orientation (1–8; 1 when absent). */
  orientation: number;
  /** Size after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** Conversions decoding will apply (cmyk, grey, alpha, depth-…), in the dataset's notes' vocabulary. */
  conversions: string[];
}

/**
 * Reads an image's header (format, oriented size, the conversions decoding will need).
 * @throws {DataFileError} for an empty file or bytes that are not a supported image
 */
export async function readImageHeader(bytes: Uint8Array, name: string, maxPixels: number): Promise<ImageHeader> {
  if (bytes.length === 0) throw new DataFileError(name, "empty file (0 bytes)");
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>["metadata"]>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (e) {
    throw new DataFileError(name, decodeProblem(e, "header"));
  }
  if (!meta.width || !meta.height || !meta.format) throw new DataFileError(name, "not a supported image");
  const orientation = meta.orientation ?? 1;
  const swap = orientation >= 5 && orientation <= 8;
  const conversions: string[] = [];
  if (meta.space === "cmyk") conversions.push("cmyk");
  if (meta.space === "b-w" || meta.channels === 1 || meta.channels === 2) conversions.push("grey");
  if (meta.hasAlpha) conversions.push("alpha");
  if (meta.depth && !["uchar", "char"].includes(meta.depth)) conversions.push(`depth-${meta.depth}`);
  return {
    format: meta.format,
    orientation,
    width: swap ? meta.height : meta.width,
    height: swap ? meta.width : meta.height,
    conversions,
  };
}

/**
 * Interleaved RGB from 1–4 channel pixels (grey is copied to all three; alpha dropped).
 * @param src pixels, `channels` bytes each
 * @param pixels pixel count
 * @param channels channels per pixel
 * @returns width × height × 3 bytes
 */
export function toRgb(src: Uint8Array, pixels: number, channels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const s = i * channels;
    if (channels < 3) {
      const v = src[s]!;
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    } else {
      out[i * 3] = src[s]!;
      out[i * 3 + 1] = src[s + 1]!;
      out[i * 3 + 2] = src[s + 2]!;
    }
  }
  return out;
}

/**
 * Resizes an RGB image (bilinear via libvips) to exactly `width` × `height`.
 * @param image source pixels
 * @param width target width
 * @param height target height
 * @returns the resized pixels
 */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height, fit: "fill", kernel: "linear" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
