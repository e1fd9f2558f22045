/**
 * Image augmentations on 8-bit RGB buffers (width × height × 3, row-major), each drawing its randomness from an
 * explicit seeded generator and scaled by a `strength` in [0, 1]: colour jitter, grayscale, horizontal flip,
 * small affine distortion, Gaussian blur, cutout, and synthetic masks placed from the five face landmarks.
 * Every function returns a new image and leaves its input unchanged.
 * @module
 */
import type { Rng } from "../random/rng.ts";

/** 8-bit RGB pixels. */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The ArcFace 112×112 template's five landmarks: left eye, right eye, nose tip, left and right mouth corners. */
export const ARCFACE_TEMPLATE_112: readonly (readonly [number, number])[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function blank(img: Pixels): Pixels {
  return { data: new Uint8Array(img.data.length), width: img.width, height: img.height };
}

/** Mirrors left and right. */
export function flipHorizontal(img: Pixels): Pixels {
  const out = blank(img), { width: w, height: h } = img;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3, d = (y * w + (w - 1 - x)) * 3;
      out.data[d] = img.data[s]!;
      out.data[d + 1] = img.data[s + 1]!;
      out.data[d + 2] = img.data[s + 2]!;
    }
  }
  return out;
}

/** Luma (Rec. 601) in all three channels. */
export function grayscale(img: Pixels): Pixels {
  const out = blank(img);
  for (let i = 0; i < img.data.length; i += 3) {
    const y = clamp8(0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!);
    out.data[i] = out.data[i + 1] = out.data[i + 2] = y;
  }
  return out;
}

/** Brightness, contrast and saturation each scaled by a factor drawn from 1 ± 0.4·strength. */
export function colorJitter(img: Pixels, rng: Rng, strength: number): Pixels {
  const draw = () => 1 + 0.4 * strength * (2 * rng.float() - 1);
  const brightness = draw(), contrast = draw(), saturation = draw();
  let mean = 0;
  for (let i = 0; i < img.data.length; i += 3) {
    mean += 0.299 * img.data[i]! + 0.587 * img.data[i + 1]! + 0.114 * img.data[i + 2]!;
  }
  mean = (mean / (img.data.length / 3)) * brightness;
  const out = blank(img);
  for (let i = 0; i < img.data.length; i += 3) {
    const r = img.data[i]! * brightness, g = img.data[i + 1]! * brightness, b = img.data[i + 2]! * brightness;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    for (let c = 0; c < 3; c++) {
      const v = [r, g, b][c]!;
      const saturated = luma + (v - luma) * saturation;
      out.data[i + c] = clamp8(mean + (saturated - mean) * contrast);
    }
  }
  return out;
}

/** Bilinear sample with edge replication. */
function sample(img: Pixels, x: number, y: number, c: number): number {
  const { width: w, height: h } = img;
  const cx = Math.min(w - 1, Math.max(0, x)), cy = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.floor(cx), y0 = Math.floor(cy), x1 = Math.min(w - 1, x0 + 1), y1 = Math.min(h - 1, y0 + 1);
  const fx = cx - x0, fy = cy - y0;
  const at = (xx: number, yy: number) => img.data[(yy * w + xx) * 3 + c]!;
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
}

/**
 * Small affine distortion about the centre: rotation up to ±10°, scale 1 ± 0.1, shift up to ±6% of the side,
 * each times `strength`; bilinear resampling, edges replicated. Strength 0 returns an identical copy.
 */
export function affineDistort(img: Pixels, rng: Rng, strength: number): Pixels {
  const u = () => 2 * rng.float() - 1;
  const angle = (u() * 10 * strength * Math.PI) / 180, scale = 1 + 0.1 * strength * u();
  const tx = 0.06 * strength * u() * img.width, ty = 0.06 * strength * u() * img.height;
  const cx = (img.width - 1) / 2, cy = (img.height - 1) / 2;
  const cos = Math.cos(angle) / scale, sin = Math.sin(angle) / scale;
  const out = blank(img);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      // Inverse map: output pixel → source position.
      const dx = x - cx - tx, dy = y - cy - ty;
      const sx = cos * dx + sin * dy + cx, sy = -sin * dx + cos * dy + cy;
      for (let c = 0; c < 3; c++) out.data[(y * img.width + x) * 3 + c] = clamp8(sample(img, sx, sy, c));
    }
  }
  return out;
}

/** Separable Gaussian blur with standard deviation `sigma` pixels (kernel radius 3σ, edges replicated). */
export function gaussianBlur(img: Pixels, sigma: number): Pixels {
  if (!(sigma > 0)) return { ...img, data: img.data.slice() };
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Float64Array.from(
    { length: 2 * radius + 1 },
    (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)),
  );
  const sum = kernel.reduce((a, b) => a + b, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  const { width: w, height: h } = img;
  const pass = (src: Float64Array, horizontal: boolean): Float64Array => {
    const dst = new Float64Array(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          let acc = 0;
          for (let k = -radius; k <= radius; k++) {
            const xx = horizontal ? Math.min(w - 1, Math.max(0, x + k)) : x;
            const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + k));
            acc += kernel[k + radius]! * src[(yy * w + xx) * 3 + c]!;
          }
          dst[(y * w + x) * 3 + c] = acc;
        }
      }
    }
    return dst;
  };
  const blurred = pass(pass(Float64Array.from(img.data), true), false);
  return { data: Uint8Array.from(blurred, clamp8), width: w, height: h };
}

/** A rectangle of side up to 40%·strength of the image, at a random place, filled with mid grey. */
export function cutout(img: Pixels, rng: Rng, strength: number): Pixels {
  const out = { ...img, data: img.data.slice() };
  const cw = Math.max(1, Math.round(img.width * 0.4 * strength * (0.5 + 0.5 * rng.float())));
  const ch = Math.max(1, Math.round(img.height * 0.4 * strength * (0.5 + 0.5 * rng.float())));
  const x0 = rng.int(Math.max(1, img.width - cw + 1)), y0 = rng.int(Math.max(1, img.height - ch + 1));
  for (let y = y0; y < y0 + ch; y++) out.data.fill(128, (y * img.width + x0) * 3, (y * img.width + x0 + cw) * 3);
  return out;
}

/**
 * The outline of a face mask from five landmarks (eyes, nose, mouth corners): across the nose bridge below the
 * eyes, out past the cheeks, down round the chin. Returns polygon vertices in pixels.
 */
export function maskPolygon(landmarks: readonly (readonly [number, number])[]): [number, number][] {
  if (landmarks.length !== 5) throw new RangeError(`maskPolygon needs 5 landmarks, got ${landmarks.length}`);
  const [le, re, nose, lm, rm] = landmarks as [
    readonly [number, number],
    readonly [number, number],
    readonly [number, number],
    readonly [number, number],
    readonly [number, number],
  ];
  const eyeY = (le[1] + re[1]) / 2, mouthY = (lm[1] + rm[1]) / 2;
  const eyeDist = re[0] - le[0];
  const top = eyeY + 0.45 * (nose[1] - eyeY);
  const chin = mouthY + 0.75 * (mouthY - nose[1]);
  return [
    [le[0] - 0.35 * eyeDist, top + 0.15 * eyeDist],
    [nose[0], top - 0.08 * eyeDist],
    [re[0] + 0.35 * eyeDist, top + 0.15 * eyeDist],
    [rm[0] + 0.45 * eyeDist, mouthY],
    [nose[0] + 0.3 * eyeDist, chin],
    [nose[0] - 0.3 * eyeDist, chin],
    [lm[0] - 0.45 * eyeDist, mouthY],
  ];
}

function inside(poly: readonly [number, number][], x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!, [xj, yj] = poly[j]!;
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/**
 * A synthetic mask: the landmark polygon filled with a random patch of a texture (tiled when smaller), shaded
 * darker towards the edges so it reads as cloth over a curved face.
 */
export function syntheticMask(
  img: Pixels,
  options: { rng: Rng; texture: Pixels; landmarks?: readonly (readonly [number, number])[] },
): Pixels {
  const { rng, texture } = options;
  const poly = maskPolygon(options.landmarks ?? ARCFACE_TEMPLATE_112);
  const cx = poly.reduce((s, p) => s + p[0], 0) / poly.length;
  const halfWidth = Math.max(...poly.map((p) => Math.abs(p[0] - cx))) || 1;
  const ox = rng.int(texture.width), oy = rng.int(texture.height);
  const out = { ...img, data: img.data.slice() };
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!inside(poly, x + 0.5, y + 0.5)) continue;
      const t = (((y + oy) % texture.height) * texture.width + ((x + ox) % texture.width)) * 3;
      const shade = 1 - 0.35 * ((x - cx) / halfWidth) ** 2;
      for (let c = 0; c < 3; c++) out.data[(y * img.width + x) * 3 + c] = clamp8(texture.data[t + c]! * shade);
    }
  }
  return out;
}
