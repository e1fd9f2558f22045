/**
 * Synthetic 20-megapixel "phone photos" for the ingest benchmark: real photos from ../shared upscaled
 * (Lanczos) to 5472×3648 (3:2, portrait 3648×5472), with sensor-like grain so the JPEG carries as much
 * entropy as a camera file (≈ 5–9 MB at quality 92, 4:2:0), EXIF capture times, and every third
 * landscape photo stored turned 90° with orientation 6, as phones write them. Written once into an
 * ignored folder and reused.
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";

/** Source photos (relative to the shared photos folder): faces of every size, groups and portraits. */
export const PHONE_SOURCES: readonly string[] = [
  "group/bbt1.jpg",
  "group/bbt2.jpg",
  "group/bbt3.jpg",
  "group/bbt4.jpg",
  "group/bbt5.jpg",
  "group/crowd-6.jpg",
  "group/crowd-10.jpg",
  "group/crowd-12.jpg",
  "group/crowd-15.jpg",
  "deepface/couple.jpg",
  "deepface/img2.jpg",
  "deepface/img3.jpg",
  "deepface/img7.jpg",
  "deepface/img13.jpg",
  "deepface/img36.jpg",
  "deepface/img41.jpg",
  "deepface/img54.jpg",
  "deepface/img59.jpg",
];

/** Seeded sensor grain (±GRAIN levels, triangular), so the same files come out on every machine. */
const GRAIN = 14;

function addGrain(pixels: Uint8Array, seed: number): void {
  let a = seed >>> 0;
  const next = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]! + (next() + next() - 1) * GRAIN;
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
}

/** Long and short side of a 20-megapixel 3:2 sensor. */
export const PHONE_SIZE = [5472, 3648] as const;

/**
 * Writes the phone photos into `dir` (skipping files that already exist).
 * @param photosDir the shared photos folder (holds `group/` and `deepface/`)
 * @param dir output folder
 * @param count how many (≤ {@link PHONE_SOURCES}.length)
 * @returns the written or existing file paths
 */
export async function makePhonePhotos(photosDir: string, dir: string, count = PHONE_SOURCES.length): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const out: string[] = [];
  let landscape = 0;
  for (let i = 0; i < Math.min(count, PHONE_SOURCES.length); i++) {
    const src = join(photosDir, PHONE_SOURCES[i]!);
    const file = join(dir, `phone-${String(i).padStart(2, "0")}.jpg`);
    out.push(file);
    const meta = await sharp(src).metadata();
    const portrait = (meta.height ?? 0) > (meta.width ?? 0);
    const rotate = !portrait && landscape++ % 3 === 2;
    try {
      await Deno.stat(file);
      continue;
    } catch { /* not made yet */ }
    const [w, h] = portrait ? [PHONE_SIZE[1], PHONE_SIZE[0]] : [PHONE_SIZE[0], PHONE_SIZE[1]];
    const pixels = await sharp(src).rotate().resize(w, h, { fit: "cover", kernel: "lanczos3" }).removeAlpha()
      .toColourspace("srgb").raw().toBuffer();
    addGrain(pixels, i + 1);
    let img = sharp(pixels, { raw: { width: w, height: h, channels: 3 } });
    // Phones store landscape sensor pixels and let the EXIF orientation turn them (6: turn 90° clockwise to view).
    if (rotate) img = sharp(await img.rotate(270).raw().toBuffer(), { raw: { width: h, height: w, channels: 3 } });
    const time = `2024:06:0${1 + (i % 3)} 1${i % 10}:${String(10 + i).padStart(2, "0")}:00`;
    await img.jpeg({ quality: 92, chromaSubsampling: "4:2:0" })
      .withExif({ IFD0: { Make: "PeopleBench", Model: "synthetic 20 MP" }, IFD2: { DateTimeOriginal: time } })
      .withMetadata({ orientation: rotate ? 6 : 1 })
      .toFile(file);
  }
  return out;
}
