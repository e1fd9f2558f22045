/**
 * Face alignment: a least-squares 2-D similarity transform from 5 detected landmarks to the ArcFace
 * 112×112 template (Umeyama 1991, without reflection), and affine warping with bilinear sampling
 * (supersampled when shrinking, so large faces do not alias).
 * @module
 */
import type { RgbImage } from "../image/decode.ts";

/** The ArcFace 5-point template for 112×112 crops: left eye, right eye, nose, mouth left, mouth right. */
export const ARCFACE_TEMPLATE: Float32Array = Float32Array.from([
  38.2946,
  51.6963,
  73.5318,
  51.5014,
  56.0252,
  71.7366,
  41.5493,
  92.3655,
  70.7299,
  92.2041,
]);

/**
 * A 2×3 affine matrix `[a, b, tx, c, d, ty]` mapping (x, y) to (a·x + b·y + tx, c·x + d·y + ty).
 */
export type Affine = Float64Array;

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) taking `src` points onto
 * `dst` points: minimises Σ‖dst_i − (s·R·src_i + t)‖². O(n).
 * @param src points x0 y0 x1 y1 … (n ≥ 2)
 * @param dst points in the same order and count
 * @returns the affine matrix of the transform
 * @throws {RangeError} when the point counts differ, are below 2, or the source points coincide
 * @example
 * ```ts
 * import { estimateSimilarity } from "./similarity.ts";
 * // dst = 2·src + (1, 1)
 * const m = estimateSimilarity([0, 0, 1, 0, 0, 1], [1, 1, 3, 1, 1, 3]);
 * if (Math.abs(m[0]! - 2) > 1e-9 || Math.abs(m[2]! - 1) > 1e-9) throw new Error("wrong transform");
 * ```
 */
export function estimateSimilarity(src: ArrayLike<number>, dst: ArrayLike<number>): Affine {
  if (src.length !== dst.length || src.length < 4 || src.length % 2 !== 0) {
    throw new RangeError(
      `Cannot estimate a similarity: need ≥ 2 matching points, got ${src.length / 2} and ${dst.length / 2}`,
    );
  }
  const n = src.length / 2;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[2 * i]!;
    sy += src[2 * i + 1]!;
    dx += dst[2 * i]!;
    dy += dst[2 * i + 1]!;
  }
  sx /= n, sy /= n, dx /= n, dy /= n;
  let a = 0, b = 0, v = 0;
  for (let i = 0; i < n; i++) {
    const px = src[2 * i]! - sx, py = src[2 * i + 1]! - sy;
    const qx = dst[2 * i]! - dx, qy = dst[2 * i + 1]! - dy;
    a += px * qx + py * qy;
    b += px * qy - py * qx;
    v += px * px + py * py;
  }
  if (!(v > 1e-12)) throw new RangeError("Cannot estimate a similarity: the source points coincide");
  const c = a / v, s = b / v; // c = scale·cos θ, s = scale·sin θ
  return Float64Array.from([c, -s, dx - (c * sx - s * sy), s, c, dy - (s * sx + c * sy)]);
}

/**
 * Inverts an affine matrix.
 * @param m affine matrix
 * @returns its inverse
 * @throws {RangeError} when singular
 */
export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m as unknown as [number, number, number, number, number, number];
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-18) throw new RangeError("Cannot invert a singular affine transform");
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  return Float64Array.from([ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)]);
}

/**
 * A rectangle of a larger image: `data` holds pixels [left, left + width) × [top, top + height) of a
 * `fullWidth` × `fullHeight` image. Warps read it in the full image's coordinates, so a crop cut from a
 * region that covers its {@link warpSourceBox} equals the crop cut from the whole image, bit for bit.
 */
export interface RgbRegion extends RgbImage {
  left: number;
  top: number;
  fullWidth: number;
  fullHeight: number;
}

function frameOf(image: RgbImage | RgbRegion): { left: number; top: number; fullWidth: number; fullHeight: number } {
  return "fullWidth" in image ? image : { left: 0, top: 0, fullWidth: image.width, fullHeight: image.height };
}

/**
 * `Math.round(v)` for 0 ≤ v < 2³¹, without its cost (V8 calls out for it here; this stays inline):
 * ⌊v + ½⌋, less one where v + ½ rounded up onto the integer (v just below a half at a power of two).
 * @param v a non-negative pixel sum
 * @returns the nearest integer, halves up
 */
export function roundLevel(v: number): number {
  const r = (v + 0.5) | 0;
  return r - +(v < r - 0.5);
}

/**
 * Box-filters (area-averages) a region of an image by an integer factor.
 * @param image source RGB (a {@link RgbRegion} is read in full-image coordinates)
 * @param x0 region left (pixels)
 * @param y0 region top
 * @param w region width, a multiple of nothing in particular (the last cell is partial)
 * @param h region height
 * @param f factor (≥ 1)
 * @returns the reduced image, ceil(w/f) × ceil(h/f)
 */
export function boxReduce(
  image: RgbImage | RgbRegion,
  x0: number,
  y0: number,
  w: number,
  h: number,
  f: number,
): RgbImage {
  const ow = Math.ceil(w / f), oh = Math.ceil(h / f);
  // Integer sums: 255 × 32 × 32 per cell at most, far inside uint32.
  const acc = new Uint32Array(ow * 3);
  const out = new Uint8Array(ow * oh * 3);
  const { left, top } = frameOf(image);
  const src = image.data, W = image.width;
  for (let oy = 0; oy < oh; oy++) {
    acc.fill(0);
    const yStart = y0 + oy * f, yEnd = Math.min(y0 + h, yStart + f);
    for (let y = yStart; y < yEnd; y++) {
      let p = ((y - top) * W + x0 - left) * 3;
      for (let o = 0; o < ow; o++) {
        const n = Math.min(f, w - o * f);
        let r = 0, g = 0, b = 0;
        for (let k = 0; k < n; k++, p += 3) {
          r += src[p]!;
          g += src[p + 1]!;
          b += src[p + 2]!;
        }
        acc[o * 3] = acc[o * 3]! + r;
        acc[o * 3 + 1] = acc[o * 3 + 1]! + g;
        acc[o * 3 + 2] = acc[o * 3 + 2]! + b;
      }
    }
    const rows = yEnd - yStart, row = oy * ow * 3;
    for (let o = 0; o < ow; o++) {
      const inv = 1 / (rows * Math.min(f, w - o * f));
      out[row + o * 3] = roundLevel(acc[o * 3]! * inv);
      out[row + o * 3 + 1] = roundLevel(acc[o * 3 + 1]! * inv);
      out[row + o * 3 + 2] = roundLevel(acc[o * 3 + 2]! * inv);
    }
  }
  return { data: out, width: ow, height: oh };
}

/** Where a warp reads: the reduction factor and the source box [x0, x1) × [y0, y1), clipped to the image. */
interface WarpSource {
  inv: Affine;
  /** Integer area-averaging factor (≥ 2), or 1 when sampling directly. */
  f: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function warpSource(m: Affine, width: number, height: number, fullWidth: number, fullHeight: number): WarpSource {
  const inv = invertAffine(m);
  const shrink = Math.sqrt(Math.abs(inv[0]! * inv[4]! - inv[1]! * inv[3]!)); // source pixels per output pixel
  const f = Math.min(32, Math.floor(shrink));
  // Source region covered by the output (corners mapped back): bilinear taps lie within a pixel of it.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [u, v] of [[-1, -1], [width, -1], [-1, height], [width, height]] as const) {
    const x = inv[0]! * u + inv[1]! * v + inv[2]!, y = inv[3]! * u + inv[4]! * v + inv[5]!;
    minX = Math.min(minX, x), maxX = Math.max(maxX, x), minY = Math.min(minY, y), maxY = Math.max(maxY, y);
  }
  const pad = f >= 2 ? 0 : 1;
  return {
    inv,
    f: f >= 2 ? f : 1,
    x0: Math.max(0, Math.floor(minX) - pad),
    y0: Math.max(0, Math.floor(minY) - pad),
    x1: Math.min(fullWidth, Math.ceil(maxX) + 1 + pad),
    y1: Math.min(fullHeight, Math.ceil(maxY) + 1 + pad),
  };
}

/**
 * The source pixels a {@link warpAffine} of a `fullWidth` × `fullHeight` image reads: cut a region
 * covering this box and the warp of the region equals the warp of the whole image.
 * @param m affine from source to output coordinates
 * @param width output width
 * @param height output height
 * @param fullWidth source image width
 * @param fullHeight source image height
 * @returns the box x0 y0 x1 y1 (x1, y1 exclusive), clipped to the image; empty when the output misses it
 */
export function warpSourceBox(
  m: Affine,
  width: number,
  height: number,
  fullWidth: number,
  fullHeight: number,
): { x0: number; y0: number; x1: number; y1: number } {
  const { x0, y0, x1, y1 } = warpSource(m, width, height, fullWidth, fullHeight);
  return { x0, y0, x1, y1 };
}

/**
 * Source pixels per output pixel of a warp (the geometric mean over both axes): how much detail the
 * crop draws from its source. Below 1 the warp magnifies.
 * @param m affine from source to output coordinates
 * @returns the linear shrink factor
 */
export function warpShrink(m: Affine): number {
  const inv = invertAffine(m);
  return Math.sqrt(Math.abs(inv[0]! * inv[4]! - inv[1]! * inv[3]!));
}

/**
 * The same warp read from a resampled copy of its source: `m` maps image coordinates to the output;
 * the copy has `sx` × `sy` fewer pixels per axis (copy pixel centres at (x + 0.5)·s − 0.5 in the image,
 * the convention of libjpeg's DCT scaling and libvips' reduce).
 * @param m affine from image to output coordinates
 * @param sx image pixels per copy pixel, horizontally
 * @param sy image pixels per copy pixel, vertically
 * @returns the affine from copy to output coordinates
 */
export function affineFromScaled(m: Affine, sx: number, sy: number): Affine {
  const [a, b, tx, c, d, ty] = m as unknown as [number, number, number, number, number, number];
  const ox = 0.5 * sx - 0.5, oy = 0.5 * sy - 0.5;
  return Float64Array.from([a * sx, b * sy, a * ox + b * oy + tx, c * sx, d * sy, c * ox + d * oy + ty]);
}

/**
 * Warps an image: output pixel (u, v) takes the source at `m⁻¹(u, v)` (pixel centres at integer
 * coordinates, as OpenCV's warpAffine), bilinear, black outside. When the transform shrinks by 2× or
 * more, the source region is first area-averaged by the integer factor, so large faces and bodies do
 * not alias (and the cost stays proportional to the region, not to the factor squared).
 * @param image source RGB, or a {@link RgbRegion} of it covering {@link warpSourceBox}
 * @param m affine from source to output coordinates
 * @param width output width
 * @param height output height
 * @returns the warped RGB image
 */
export function warpAffine(image: RgbImage | RgbRegion, m: Affine, width: number, height: number): RgbImage {
  const frame = frameOf(image);
  const { inv, f, x0, y0, x1, y1 } = warpSource(m, width, height, frame.fullWidth, frame.fullHeight);
  if (f >= 2 && x1 > x0 && y1 > y0) {
    const reduced = boxReduce(image, x0, y0, x1 - x0, y1 - y0, f);
    // Reduced pixel i is centred on source x0 + i·f + (f − 1)/2.
    const c = (f - 1) / 2;
    const r = Float64Array.from([
      inv[0]! / f,
      inv[1]! / f,
      (inv[2]! - x0 - c) / f,
      inv[3]! / f,
      inv[4]! / f,
      (inv[5]! - y0 - c) / f,
    ]);
    return sampleBilinear(reduced, r, width, height, 0, 0, reduced.width, reduced.height);
  }
  return sampleBilinear(image, inv, width, height, frame.left, frame.top, frame.fullWidth, frame.fullHeight);
}

/** Bilinear sampling at m⁻¹(u, v); `image` holds the pixels from (left, top) of a W × H image; black outside. */
function sampleBilinear(
  image: RgbImage,
  inv: Affine,
  width: number,
  height: number,
  left: number,
  top: number,
  W: number,
  H: number,
): RgbImage {
  const a = inv[0]!, b = inv[1]!, tx = inv[2]!, c = inv[3]!, d = inv[4]!, ty = inv[5]!;
  const out = new Uint8Array(width * height * 3);
  if (b === 0 && c === 0) return sampleAxisAligned(image, a, tx, d, ty, width, height, left, top, W, H, out);
  const src = image.data, stride = image.width;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const x = a * u + b * v + tx, y = c * u + d * v + ty;
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const fx = x - x0, fy = y - y0, o = (v * width + u) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        // All four taps inside (almost every pixel): the edge loop's arithmetic, in its order (bit-identical).
        const w0 = (1 - fx) * (1 - fy), w1 = fx * (1 - fy), w2 = (1 - fx) * fy, w3 = fx * fy;
        const p0 = ((y0 - top) * stride + x0 - left) * 3, p2 = p0 + stride * 3;
        out[o] = roundLevel(w0 * src[p0]! + w1 * src[p0 + 3]! + w2 * src[p2]! + w3 * src[p2 + 3]!);
        out[o + 1] = roundLevel(w0 * src[p0 + 1]! + w1 * src[p0 + 4]! + w2 * src[p2 + 1]! + w3 * src[p2 + 4]!);
        out[o + 2] = roundLevel(w0 * src[p0 + 2]! + w1 * src[p0 + 5]! + w2 * src[p2 + 2]! + w3 * src[p2 + 5]!);
      } else bilinearEdge(image, left, top, W, H, x0, y0, fx, fy, out, o);
    }
  }
  return { data: out, width, height };
}

/**
 * Writes the bilinear sample at (x0 + fx, y0 + fy) of a W × H image (`image` holds its pixels from (left, top))
 * into out[o..o+2] when some tap falls outside the image (those count as black): the rare edge pixels of both
 * samplers, whose inner pixels take the unrolled form of the same sums.
 */
function bilinearEdge(
  image: RgbImage,
  left: number,
  top: number,
  W: number,
  H: number,
  x0: number,
  y0: number,
  fx: number,
  fy: number,
  out: Uint8Array,
  o: number,
): void {
  const src = image.data, stride = image.width;
  let r = 0, g = 0, bl = 0;
  for (let q = 0; q < 4; q++) {
    const xx = x0 + (q & 1), yy = y0 + (q >> 1);
    if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
    const w = ((q & 1) ? fx : 1 - fx) * ((q >> 1) ? fy : 1 - fy);
    const p = ((yy - top) * stride + xx - left) * 3;
    r += w * src[p]!;
    g += w * src[p + 1]!;
    bl += w * src[p + 2]!;
  }
  out[o] = roundLevel(r);
  out[o + 1] = roundLevel(g);
  out[o + 2] = roundLevel(bl);
}

/**
 * {@link sampleBilinear} for a transform without rotation (body crops): x depends on the column only and
 * y on the row only (b·v and c·u are zeros, so the sums are the general path's, bit for bit).
 */
function sampleAxisAligned(
  image: RgbImage,
  a: number,
  tx: number,
  d: number,
  ty: number,
  width: number,
  height: number,
  left: number,
  top: number,
  W: number,
  H: number,
  out: Uint8Array,
): RgbImage {
  const src = image.data, stride = image.width;
  const xs = new Int32Array(width), fxs = new Float64Array(width);
  for (let u = 0; u < width; u++) {
    const x = a * u + tx, x0 = Math.floor(x);
    xs[u] = x0;
    fxs[u] = x - x0;
  }
  for (let v = 0; v < height; v++) {
    const y = d * v + ty, y0 = Math.floor(y), fy = y - y0;
    for (let u = 0; u < width; u++) {
      const x0 = xs[u]!, fx = fxs[u]!, o = (v * width + u) * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
        // All four taps inside (almost every pixel): the edge loop's arithmetic, in its order (bit-identical).
        const w0 = (1 - fx) * (1 - fy), w1 = fx * (1 - fy), w2 = (1 - fx) * fy, w3 = fx * fy;
        const p0 = ((y0 - top) * stride + x0 - left) * 3, p2 = p0 + stride * 3;
        out[o] = roundLevel(w0 * src[p0]! + w1 * src[p0 + 3]! + w2 * src[p2]! + w3 * src[p2 + 3]!);
        out[o + 1] = roundLevel(w0 * src[p0 + 1]! + w1 * src[p0 + 4]! + w2 * src[p2 + 1]! + w3 * src[p2 + 4]!);
        out[o + 2] = roundLevel(w0 * src[p0 + 2]! + w1 * src[p0 + 5]! + w2 * src[p2 + 2]! + w3 * src[p2 + 5]!);
      } else bilinearEdge(image, left, top, W, H, x0, y0, fx, fy, out, o);
    }
  }
  return { data: out, width, height };
}

/**
 * Aligns a face to the ArcFace template.
 * @param image source RGB (or a region of it covering the face)
 * @param landmarks 5 points x0 y0 … x4 y4 in the image's pixels
 * @param size output side (the template is scaled from 112) [112]
 * @returns the aligned crop and the transform used
 */
export function alignFace(
  image: RgbImage | RgbRegion,
  landmarks: ArrayLike<number>,
  size = 112,
): { crop: RgbImage; m: Affine } {
  const dst = size === 112 ? ARCFACE_TEMPLATE : ARCFACE_TEMPLATE.map((v) => (v * size) / 112);
  const m = estimateSimilarity(landmarks, dst);
  return { crop: warpAffine(image, m, size, size), m };
}

/**
 * The transform {@link cropResize} warps with: box pixel centres onto the output's.
 * @param box x1 y1 x2 y2 in the image's pixels
 * @param width output width
 * @param height output height
 * @returns the affine from image to crop coordinates
 */
export function cropTransform(
  box: { x1: number; y1: number; x2: number; y2: number },
  width: number,
  height: number,
): Affine {
  const sx = width / Math.max(1e-6, box.x2 - box.x1), sy = height / Math.max(1e-6, box.y2 - box.y1);
  // Map pixel centres: u + 0.5 = (x + 0.5 − x1)·sx.
  return Float64Array.from([sx, 0, (0.5 - box.x1) * sx - 0.5, 0, sy, (0.5 - box.y1) * sy - 0.5]);
}

/**
 * Crops an axis-aligned box and resizes it to width × height (aspect not kept), bilinear.
 * @param image source RGB (or a region of it covering the box)
 * @param box x1 y1 x2 y2 in the image's pixels
 * @param width output width
 * @param height output height
 * @returns the crop
 */
export function cropResize(
  image: RgbImage | RgbRegion,
  box: { x1: number; y1: number; x2: number; y2: number },
  width: number,
  height: number,
): RgbImage {
  return warpAffine(image, cropTransform(box, width, height), width, height);
}
