/**
 * The augmentation curriculum: stages that add transforms and raise their strength over training, applied to
 * 8-bit crops before the frozen backbone (so features are re-extracted each epoch); JPEG round trips through
 * sharp; mask textures cut from upper bodies (YOLOX person boxes) of real group photos; and a PNG sheet of
 * examples per stage.
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";
import type { Rng } from "../algorithms/random/rng.ts";
import {
  affineDistort,
  colorJitter,
  cutout,
  flipHorizontal,
  gaussianBlur,
  grayscale,
  type Pixels,
  syntheticMask,
} from "../algorithms/training/augment.ts";
import { writeFileAtomic } from "../base/atomic.ts";
import { YoloxPersonDetector } from "../pipeline/detect/yolox.ts";
import { decodeImage, resizeRgb, type RgbImage } from "../pipeline/image/decode.ts";

/** The transforms a stage may apply. */
export const TRANSFORMS = ["flip", "color", "grayscale", "affine", "blur", "jpeg", "cutout", "mask"] as const;
/** One transform id. */
export type TransformId = typeof TRANSFORMS[number];

/** One stage: each transform's probability and the common strength. */
export interface CurriculumStage {
  strength: number;
  probability: Partial<Record<TransformId, number>>;
}

/**
 * The default curriculum: geometry and colour first, then degradations, then occlusions and masks, each
 * stage stronger than the last.
 */
export const CURRICULUM: readonly CurriculumStage[] = [
  { strength: 0.3, probability: { flip: 0.5, color: 0.5 } },
  { strength: 0.5, probability: { flip: 0.5, color: 0.6, grayscale: 0.1, affine: 0.5, blur: 0.2 } },
  {
    strength: 0.7,
    probability: { flip: 0.5, color: 0.7, grayscale: 0.15, affine: 0.6, blur: 0.3, jpeg: 0.3, cutout: 0.2 },
  },
  {
    strength: 1,
    probability: { flip: 0.5, color: 0.7, grayscale: 0.15, affine: 0.6, blur: 0.3, jpeg: 0.3, cutout: 0.2, mask: 0.3 },
  },
];

/** Which stage an epoch is in: the stages split the epochs evenly, in order. */
export function curriculumStage(epoch: number, epochs: number, stages = CURRICULUM.length): number {
  return Math.min(stages - 1, Math.floor((epoch * stages) / Math.max(1, epochs)));
}

/** Encodes to JPEG at `quality` and decodes again (block and ringing artefacts). */
export async function jpegRoundTrip(img: Pixels, quality: number): Promise<Pixels> {
  const raw = { width: img.width, height: img.height, channels: 3 as const };
  const jpeg = await sharp(img.data, { raw }).jpeg({ quality: Math.round(quality) }).toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/**
 * Applies one stage to a crop: each transform with its probability, in a fixed order (geometry, colour,
 * degradation, occlusion). Masks need `textures`; without them the mask transform is skipped.
 */
export async function augmentCrop(
  img: Pixels,
  options: { stage: CurriculumStage; rng: Rng; textures?: readonly Pixels[] },
): Promise<Pixels> {
  const { stage, rng } = options;
  const s = stage.strength;
  const on = (t: TransformId) => rng.float() < (stage.probability[t] ?? 0);
  let out = img;
  if (on("flip")) out = flipHorizontal(out);
  if (on("affine")) out = affineDistort(out, rng, s);
  if (on("color")) out = colorJitter(out, rng, s);
  if (on("grayscale")) out = grayscale(out);
  if (on("blur")) out = gaussianBlur(out, 0.3 + 1.7 * s * rng.float());
  if (on("jpeg")) out = await jpegRoundTrip(out, 90 - 70 * s * rng.float());
  if (on("cutout")) out = cutout(out, rng, s);
  if (on("mask") && options.textures?.length) {
    out = syntheticMask(out, { rng, texture: options.textures[rng.int(options.textures.length)]! });
  }
  return out;
}

/**
 * Mask textures: the torso band (25–55% of the height, middle 60% of the width) of every person YOLOX finds in
 * the photos, resized to `side`×`side`.
 */
export async function loadTextures(
  photos: readonly string[],
  options: { yoloxPath: string; side?: number; maxPerPhoto?: number },
): Promise<RgbImage[]> {
  const detector = await YoloxPersonDetector.load(options.yoloxPath, { backend: "cpu", threads: 1 });
  const side = options.side ?? 48;
  const textures: RgbImage[] = [];
  for (const path of photos) {
    const image = await decodeImage(path, { maxSide: 1280 });
    const people = (await detector.detect(image)).slice(0, options.maxPerPhoto ?? 4);
    for (const p of people) {
      const w = p.x2 - p.x1, h = p.y2 - p.y1;
      const left = Math.max(0, Math.round(p.x1 + 0.2 * w)), top = Math.max(0, Math.round(p.y1 + 0.25 * h));
      const width = Math.min(image.width - left, Math.round(0.6 * w));
      const height = Math.min(image.height - top, Math.round(0.3 * h));
      if (width < 8 || height < 8) continue;
      const band = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) {
        const from = ((top + y) * image.width + left) * 3;
        band.set(image.data.subarray(from, from + width * 3), y * width * 3);
      }
      textures.push(await resizeRgb({ data: band, width, height }, side, side));
    }
  }
  return textures;
}

/** Photos of the shared `group/` folder split into a training and a held-out texture pool (alternate files). */
export async function texturePools(groupDir: string): Promise<{ train: string[]; test: string[] }> {
  const names: string[] = [];
  for await (const e of Deno.readDir(groupDir)) if (e.isFile && /\.(jpe?g|png)$/i.test(e.name)) names.push(e.name);
  names.sort();
  const paths = names.map((n) => join(groupDir, n));
  return { train: paths.filter((_, i) => i % 2 === 0), test: paths.filter((_, i) => i % 2 === 1) };
}

/**
 * Writes a PNG grid: one row per curriculum stage, `columns` augmented examples of the crops (cycled), each
 * drawn from `rng`.
 */
export async function writeAugmentSheet(
  path: string,
  crops: readonly Pixels[],
  options: { rng: Rng; textures?: readonly Pixels[]; columns?: number; stages?: readonly CurriculumStage[] },
): Promise<{ rows: number; columns: number }> {
  const stages = options.stages ?? CURRICULUM, columns = options.columns ?? 8;
  const cw = crops[0]!.width, ch = crops[0]!.height;
  const sheet = new Uint8Array(columns * cw * stages.length * ch * 3);
  for (const [row, stage] of stages.entries()) {
    for (let col = 0; col < columns; col++) {
      const img = await augmentCrop(crops[col % crops.length]!, {
        stage,
        rng: options.rng,
        textures: options.textures,
      });
      for (let y = 0; y < ch; y++) {
        const to = ((row * ch + y) * columns * cw + col * cw) * 3;
        sheet.set(img.data.subarray(y * cw * 3, (y + 1) * cw * 3), to);
      }
    }
  }
  const png = await sharp(sheet, { raw: { width: columns * cw, height: stages.length * ch, channels: 3 } })
    .png()
    .toBuffer();
  await writeFileAtomic(path, new Uint8Array(png.buffer, png.byteOffset, png.length));
  return { rows: stages.length, columns };
}
