/**
 * Packing 8-bit RGB pixels into float32 NCHW model inputs (channel order, scaling, padding).
 * @module
 */
import type { RgbImage } from "./decode.ts";

/** How pixel values become model inputs: `(v − mean[c]) / std[c]`, channels in `order`. */
export interface PixelNorm {
  /** "rgb" or "bgr" channel order in the tensor. */
  order: "rgb" | "bgr";
  /** Per-channel mean, in 0–255 units, in tensor channel order. */
  mean: readonly [number, number, number];
  /** Per-channel divisor, in 0–255 units, in tensor channel order. */
  std: readonly [number, number, number];
}

/**
 * Writes an image into one CHW slot of a float32 tensor of size `3 × height × width`, placing it at the
 * top-left and filling the rest with `pad` (a raw pixel value, normalised like the pixels).
 * @param image source pixels (must fit inside width × height)
 * @param out destination tensor
 * @param offset element offset of the slot in `out`
 * @param width slot width
 * @param height slot height
 * @param norm channel order and scaling
 * @param pad raw value of padding pixels [0]
 */
export function packChw(
  image: RgbImage,
  out: Float32Array,
  offset: number,
  width: number,
  height: number,
  norm: PixelNorm,
  pad = 0,
): void {
  const plane = width * height;
  const src = image.data;
  const iw = Math.min(image.width, width), ih = Math.min(image.height, height);
  for (let c = 0; c < 3; c++) {
    const srcC = norm.order === "rgb" ? c : 2 - c;
    const m = norm.mean[c]!, inv = 1 / norm.std[c]!;
    const base = offset + c * plane;
    const padValue = (pad - m) * inv;
    for (let y = 0; y < height; y++) {
      const row = base + y * width;
      if (y >= ih) {
        out.fill(padValue, row, row + width);
        continue;
      }
      let s = (y * image.width) * 3 + srcC;
      for (let x = 0; x < iw; x++, s += 3) out[row + x] = (src[s]! - m) * inv;
      if (iw < width) out.fill(padValue, row + iw, row + width);
    }
  }
}
