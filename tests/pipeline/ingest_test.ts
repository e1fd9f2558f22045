/**
 * The fast ingest pipeline's building blocks: crops cut from a decoded region equal crops cut from the
 * whole image (property), region and shrink-on-load decoding against a full decode, the embed stage's
 * row order under out-of-order batches, and (with ../shared) the worker pool against the in-thread runner.
 */
import { join } from "node:path";
import fc from "fast-check";
import sharp from "sharp";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { sharedPath, sharedTest, tempDir } from "../_shared.ts";
import {
  cropTransform,
  estimateSimilarity,
  type RgbRegion,
  warpAffine,
  warpSourceBox,
} from "../../pipeline/align/similarity.ts";
import { decodeImage, resizeRgb, type RgbImage } from "../../pipeline/image/decode.ts";
import {
  cropSourceScale,
  decodeRegion,
  decodeScaled,
  decodeScaledRegion,
  type PhotoHeader,
  readPhotoHeader,
  scaledSize,
} from "../../pipeline/ingest/decode.ts";
import { EmbedStage } from "../../pipeline/ingest/embed.ts";
import type { PendingObservation } from "../../pipeline/ingest/types.ts";
import { pendingObservation } from "./_fixtures.ts";
import { DEFAULT_CALIBRATION } from "../../pipeline/quality.ts";
import { embedImages } from "../../pipeline/embed_images.ts";
import { readDataset } from "../../datasets/io.ts";

function noise(width: number, height: number, seed: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let a = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    data[i] = a >>> 24;
  }
  return { data, width, height };
}

function region(image: RgbImage, b: { x0: number; y0: number; x1: number; y1: number }): RgbRegion {
  const w = b.x1 - b.x0, h = b.y1 - b.y0, data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    data.set(
      image.data.subarray(((b.y0 + y) * image.width + b.x0) * 3, ((b.y0 + y) * image.width + b.x1) * 3),
      y * w * 3,
    );
  }
  return { data, width: w, height: h, left: b.x0, top: b.y0, fullWidth: image.width, fullHeight: image.height };
}

Deno.test("a warp of a region covering warpSourceBox() equals the warp of the whole image (property)", () => {
  const image = noise(97, 83, 7);
  fc.assert(
    fc.property(
      fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
      fc.double({ min: 0.02, max: 3, noNaN: true }), // output pixels per source pixel: shrinking up to 50×
      fc.double({ min: -40, max: 140, noNaN: true }),
      fc.double({ min: -40, max: 120, noNaN: true }),
      fc.integer({ min: 0, max: 5 }),
      (theta, scale, cx, cy, margin) => {
        // A similarity centring source point (cx, cy) in a 24×24 output.
        const c = scale * Math.cos(theta), s = scale * Math.sin(theta);
        const m = Float64Array.from([c, -s, 12 - (c * cx - s * cy), s, c, 12 - (s * cx + c * cy)]);
        const b = warpSourceBox(m, 24, 24, image.width, image.height);
        const whole = warpAffine(image, m, 24, 24);
        if (b.x1 <= b.x0 || b.y1 <= b.y0) return whole.data.every((v) => v === 0);
        const grown = {
          x0: Math.max(0, b.x0 - margin),
          y0: Math.max(0, b.y0 - margin),
          x1: Math.min(image.width, b.x1 + margin),
          y1: Math.min(image.height, b.y1 + margin),
        };
        const part = warpAffine(region(image, grown), m, 24, 24);
        assertEquals(part.data, whole.data);
        return true;
      },
    ),
    { numRuns: 400 },
  );
});

Deno.test("body crops (cropTransform) and face alignments from a region equal those from the whole image", () => {
  const image = noise(640, 480, 3);
  const jobs = [
    { m: cropTransform({ x1: 100.3, y1: 50.7, x2: 260.2, y2: 400.9 }, 128, 256), w: 128, h: 256 },
    { m: cropTransform({ x1: -20, y1: 300, x2: 80, y2: 520 }, 128, 256), w: 128, h: 256 }, // off the edges
    {
      m: estimateSimilarity([300, 200, 340, 198, 320, 225, 305, 245, 337, 244], [
        38.3,
        51.7,
        73.5,
        51.5,
        56.0,
        71.7,
        41.5,
        92.4,
        70.7,
        92.2,
      ]),
      w: 112,
      h: 112,
    },
  ];
  for (const j of jobs) {
    const b = warpSourceBox(j.m, j.w, j.h, image.width, image.height);
    assertEquals(warpAffine(region(image, b), j.m, j.w, j.h).data, warpAffine(image, j.m, j.w, j.h).data);
  }
});

async function jpeg(width: number, height: number, orientation: number): Promise<Uint8Array> {
  // Smooth gradients plus noise: something a JPEG encoder and DCT scaling both have to work on.
  const img = noise(width, height, width + orientation);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      img.data[p] = (img.data[p]! >> 3) + ((x * 200) / width);
      img.data[p + 1] = (img.data[p + 1]! >> 3) + ((y * 200) / height);
    }
  }
  const out = await sharp(img.data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 })
    .withMetadata({ orientation }).toBuffer();
  return new Uint8Array(out);
}

Deno.test("decodeRegion() gives the full decode's pixels: plain, EXIF-turned, larger than maxSide, both", async () => {
  for (
    const [w, h, orientation, maxSide] of [[900, 600, 1, 4096], [900, 600, 6, 4096], [900, 600, 1, 700], [
      900,
      600,
      6,
      700,
    ], [900, 600, 3, 700]] as const
  ) {
    const bytes = await jpeg(w, h, orientation);
    const header = await readPhotoHeader(bytes, "t.jpg", maxSide);
    const full = await decodeImage(bytes, { maxSide }, "t.jpg");
    assertEquals([header.width, header.height, header.scale], [full.width, full.height, full.scale]);
    assertEquals(header.conversions, full.conversions);
    const box = { x0: 37, y0: 51, x1: Math.round(full.width * 0.6), y1: Math.round(full.height * 0.7) };
    const r = await decodeRegion(bytes, "t.jpg", header, box);
    assert(r.left <= box.x0 && r.top <= box.y0 && r.left + r.width >= box.x1 && r.top + r.height >= box.y1);
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) {
        for (let c = 0; c < 3; c++) {
          const a = full.data[(y * full.width + x) * 3 + c]!, b = r.data[((y - r.top) * r.width + x - r.left) * 3 + c]!;
          if (a !== b) {
            throw new Error(`orientation ${orientation}, maxSide ${maxSide}: pixel (${x}, ${y}) ${a} ≠ ${b}`);
          }
        }
      }
    }
  }
});

Deno.test("decodeScaled(): exact below 4× reduction (no shrink on load), within a few grey levels above", async () => {
  const bytes = await jpeg(1200, 800, 1);
  const header = await readPhotoHeader(bytes, "t.jpg", 4096);
  const full = await decodeImage(bytes, {}, "t.jpg");
  const meanDiff = async (w: number, h: number) => {
    const a = await decodeScaled(bytes, "t.jpg", header, w, h), b = await resizeRgb(full, w, h);
    assertEquals([a.width, a.height], [w, h]);
    let s = 0;
    for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
    return s / a.data.length;
  };
  assertEquals(await meanDiff(640, 427), 0); // 1.9×: no DCT scaling
  assertEquals(await meanDiff(320, 213), 0); // 3.75×
  const shrunk = await meanDiff(150, 100); // 8×: libjpeg decodes at 1/4, then a 2× linear reduce
  assert(shrunk > 0 && shrunk < 3, `mean |Δ| ${shrunk}`);
  assertEquals((await decodeScaled(bytes, "t.jpg", header, 1200, 800)).data, full.data);
});

Deno.test("cropSourceScale(): the coarsest cheap JPEG scale that keeps a source pixel per crop pixel", () => {
  const header = (format: string, scale: number): PhotoHeader => ({
    format,
    orientation: 1,
    originalWidth: 5472,
    originalHeight: 3648,
    width: Math.round(5472 / scale),
    height: Math.round(3648 / scale),
    scale,
    conversions: [],
  });
  const big = header("jpeg", 1.336), plain = header("jpeg", 1);
  assertEquals(cropSourceScale(big, 20), 9);
  assertEquals(cropSourceScale(big, 8.9), 5);
  assertEquals(cropSourceScale(big, 4), 3);
  assertEquals(cropSourceScale(big, 2.5), 2); // a full decode and a linear 2×: cheaper than the Lanczos frame
  assertEquals(cropSourceScale(big, 1.9), null);
  assertEquals(cropSourceScale(plain, 2.5), null); // the frame is the original: no resize to save
  assertEquals(cropSourceScale(plain, 3), 3);
  assertEquals(cropSourceScale(big, 12, 2), 5); // a stricter detail floor
  assertEquals(cropSourceScale(header("png", 1.336), 20), null);
  assertEquals(cropSourceScale(header("jpeg", 6), 40), 9); // never finer than maxSide allows
  assertEquals(cropSourceScale(header("jpeg", 6), 8), null);
  assertEquals(scaledSize(big, 9), { width: 608, height: 405 });
});

Deno.test("decodeScaledRegion(): a region of the scaled decode; EXIF-turned photos whole; near a resize of the full decode", async () => {
  for (const orientation of [1, 6]) {
    const bytes = await jpeg(1800, 1200, orientation);
    const header = await readPhotoHeader(bytes, "t.jpg", 4096);
    const size = scaledSize(header, 5);
    const whole = await decodeScaledRegion(
      bytes,
      "t.jpg",
      size,
      { x0: 0, y0: 0, x1: size.width, y1: size.height },
      orientation,
    );
    assertEquals([whole.width, whole.height, whole.fullWidth, whole.fullHeight], [
      size.width,
      size.height,
      size.width,
      size.height,
    ]);
    const box = { x0: 20, y0: 30, x1: size.width - 40, y1: size.height - 10 };
    const r = await decodeScaledRegion(bytes, "t.jpg", size, box, orientation);
    if (orientation !== 1) assertEquals(r.data, whole.data);
    else {
      assertEquals([r.left, r.top, r.width, r.height], [box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0]);
      for (let y = box.y0; y < box.y1; y++) {
        const a = whole.data.subarray((y * whole.width + box.x0) * 3, (y * whole.width + box.x1) * 3);
        assertEquals(r.data.subarray((y - box.y0) * r.width * 3, (y - box.y0 + 1) * r.width * 3), a);
      }
    }
    // DCT scaling by 1/4 and a 1.25× reduce: within a few grey levels of the full decode reduced 5×.
    const full = await resizeRgb(await decodeImage(bytes, {}, "t.jpg"), size.width, size.height);
    let sum = 0;
    for (let i = 0; i < full.data.length; i++) sum += Math.abs(full.data[i]! - whole.data[i]!);
    assert(sum / full.data.length < 4, `orientation ${orientation}: mean |Δ| ${sum / full.data.length}`);
  }
});

Deno.test("EmbedStage: rows follow queue order when batches finish out of order; batches ≤ batch", async () => {
  const sizes: number[] = [];
  // Each vector holds its crop's first byte; later batches finish first.
  let delay = 40;
  const embed = async (crops: RgbImage[]) => {
    sizes.push(crops.length);
    await new Promise((r) => setTimeout(r, delay = Math.max(0, delay - 10)));
    return { vectors: Float32Array.from(crops, (c) => c.data[0]!), norms: new Float32Array(crops.length).fill(10) };
  };
  const stage = new EmbedStage({ embedFaces: embed, embedBodies: embed }, {
    batch: 3,
    faceDim: 1,
    bodyDim: 1,
    calibration: DEFAULT_CALIBRATION,
    unclearThreshold: 0.5,
    maxInFlight: 4,
  });
  const all: PendingObservation[] = [];
  for (const n of [5, 1, 7, 0, 2]) {
    const faces = Array.from({ length: n }, () => {
      const p = pendingObservation();
      all.push(p);
      return { p, crop: { data: Uint8Array.of(all.length - 1), width: 1, height: 1 } };
    });
    await stage.add({ observations: faces.map((f) => f.p), faces, bodies: [] });
  }
  const rows = await stage.finish();
  assert(sizes.every((s) => s <= 3));
  assertEquals(rows.faces, all.length);
  const flat = Float32Array.from(rows.face.flatMap((c) => [...c]));
  for (const p of all) assertEquals(flat[p.record.faceRow], all.indexOf(p));
  assert(all.every((p) => p.record.faceQuality >= 0 && p.record.faceQuality <= 1));
});

Deno.test("EmbedStage: an embedder failure reaches the caller", async () => {
  const stage = new EmbedStage({
    embedFaces: () => Promise.reject(new Error("model exploded")),
    embedBodies: () => Promise.reject(new Error("unused")),
  }, { batch: 2, faceDim: 1, bodyDim: 0, calibration: DEFAULT_CALIBRATION, unclearThreshold: 0.5, maxInFlight: 2 });
  const p = pendingObservation();
  await stage.add({
    observations: [p],
    faces: [{ p, crop: { data: Uint8Array.of(1), width: 1, height: 1 } }],
    bodies: [],
  });
  await assertRejects(() => stage.finish(), Error, "model exploded");
});

sharedTest("worker pool and in-thread runner write the same dataset; shrink-on-load keeps the faces", async () => {
  const dir = await tempDir(), images = join(dir, "images");
  await Deno.mkdir(images);
  for (const f of ["group/bbt1.jpg", "group/crowd-13.jpg", "deepface/couple.jpg", "deepface/img41.jpg"]) {
    await Deno.copyFile(sharedPath("data", "photos", f), join(images, f.split("/")[1]!));
  }
  const run = async (name: string, o: Record<string, unknown>) => {
    const out = join(dir, name);
    const r = await embedImages({ images, out, backend: "cpu", threads: 1, batch: 4, ...o });
    const d = await readDataset(out);
    return { d, csv: await Deno.readTextFile(join(out, "observations.csv")), sources: r.cropSources };
  };
  const pool = await run("pool", { workers: 2 });
  const local = await run("local", { workers: 0 });
  const exact = await run("exact", { workers: 2, exactDecode: true });
  // Same sessions and batches: identical observations and vectors, whoever ran them.
  assertEquals(pool.csv, local.csv);
  assertEquals(pool.d.face, local.d.face);
  assertEquals(pool.d.body, local.d.body);
  // These photos are < 4× the detection size: shrink on load does not apply, so the fast path is exact.
  assertEquals(pool.csv, exact.csv);
  assertEquals(pool.d.face, exact.d.face);
  // Detection at 256 px shrinks bbt1 (1366 px) on load: the same faces, boxes within a few pixels.
  const small = await run("small", { workers: 2, detectSize: 256 });
  const smallExact = await run("small-exact", { workers: 2, detectSize: 256, exactDecode: true });
  assertEquals(small.d.observations.n, smallExact.d.observations.n);
  for (let i = 0; i < small.d.observations.faceBox.length; i++) {
    const a = small.d.observations.faceBox[i]!, b = smallExact.d.observations.faceBox[i]!;
    assert(Math.abs(a - b) < 8, `box coordinate ${i}: ${a} vs ${b}`);
  }
  // Their crops come from the detection copy or a DCT-scaled region where the faces are large enough, else
  // from the frame: embeddings stay within cosine 0.98 of the exact path's (measured ≥ 0.997).
  const cosines = (a: Float32Array, b: Float32Array, dim: number) =>
    Array.from({ length: a.length / dim }, (_, r) => {
      let s = 0, na = 0, nb = 0;
      for (let k = r * dim; k < (r + 1) * dim; k++) s += a[k]! * b[k]!, na += a[k]! ** 2, nb += b[k]! ** 2;
      return s / Math.sqrt(na * nb);
    });
  assertEquals(small.d.face.length, smallExact.d.face.length);
  const faces = cosines(small.d.face, smallExact.d.face, small.d.manifest.face.dim);
  const bodies = cosines(small.d.body!, smallExact.d.body!, small.d.manifest.body!.dim);
  assert(Math.min(...faces) > 0.98 && Math.min(...bodies) > 0.98, `cosines ${faces} / ${bodies}`);
  assert(faces.some((c) => c < 1), "no crop changed: the scaled sources were not exercised");
  assertEquals(smallExact.sources, { frame: 4 });
  assert(Object.keys(small.sources).some((k) => k === "copy" || k.startsWith("scale")), JSON.stringify(small.sources));
  await Deno.remove(dir, { recursive: true });
});
