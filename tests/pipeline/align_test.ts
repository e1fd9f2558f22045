import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  affineFromScaled,
  alignFace,
  ARCFACE_TEMPLATE,
  boxReduce,
  cropResize,
  cropTransform,
  estimateSimilarity,
  invertAffine,
  roundLevel,
  warpAffine,
  warpShrink,
} from "../../pipeline/align/similarity.ts";
import type { RgbImage } from "../../pipeline/image/decode.ts";

function apply(m: Float64Array, x: number, y: number): [number, number] {
  return [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!];
}

Deno.test("estimateSimilarity() recovers a known rotation, scale and translation exactly", () => {
  fc.assert(
    fc.property(
      fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
      fc.double({ min: 0.05, max: 20, noNaN: true }),
      fc.double({ min: -500, max: 500, noNaN: true }),
      fc.double({ min: -500, max: 500, noNaN: true }),
      (theta, scale, tx, ty) => {
        const truth = Float64Array.from([
          scale * Math.cos(theta),
          -scale * Math.sin(theta),
          tx,
          scale * Math.sin(theta),
          scale * Math.cos(theta),
          ty,
        ]);
        const dst: number[] = [];
        for (let k = 0; k < 5; k++) dst.push(...apply(truth, ARCFACE_TEMPLATE[2 * k]!, ARCFACE_TEMPLATE[2 * k + 1]!));
        const m = estimateSimilarity(ARCFACE_TEMPLATE, dst);
        for (let i = 0; i < 6; i++) {
          assertAlmostEquals(m[i]!, truth[i]!, 1e-6 * (1 + Math.abs(truth[i]!)), `entry ${i}`);
        }
      },
    ),
    { seed: 42, numRuns: 200 },
  );
});

Deno.test("estimateSimilarity() is the least-squares fit: perturbing it never lowers the error", () => {
  const src = [10, 10, 50, 12, 30, 30, 15, 50, 48, 52];
  const dst = [40, 50, 72, 49, 57, 70, 43, 93, 70, 91];
  const m = estimateSimilarity(src, dst);
  const err = (a: number, b: number, tx: number, ty: number) => {
    let e = 0;
    for (let k = 0; k < 5; k++) {
      const x = src[2 * k]!, y = src[2 * k + 1]!;
      e += (a * x - b * y + tx - dst[2 * k]!) ** 2 + (b * x + a * y + ty - dst[2 * k + 1]!) ** 2;
    }
    return e;
  };
  const best = err(m[0]!, m[3]!, m[2]!, m[5]!);
  for (const [da, db, dx, dy] of [[1e-3, 0, 0, 0], [0, 1e-3, 0, 0], [0, 0, 0.1, 0], [0, 0, 0, 0.1], [-1e-3, 0, 0, 0]]) {
    assert(err(m[0]! + da!, m[3]! + db!, m[2]! + dx!, m[5]! + dy!) >= best);
  }
});

Deno.test("estimateSimilarity() rejects coincident or mismatched points", () => {
  assertThrows(() => estimateSimilarity([1, 1, 1, 1], [0, 0, 5, 5]), RangeError, "coincide");
  assertThrows(() => estimateSimilarity([1, 1, 2, 2], [0, 0]), RangeError);
});

Deno.test("invertAffine() composes to the identity", () => {
  const m = Float64Array.from([1.2, -0.4, 10, 0.4, 1.2, -3]);
  const inv = invertAffine(m);
  const [x, y] = apply(inv, ...apply(m, 7, -2));
  assertAlmostEquals(x, 7, 1e-9);
  assertAlmostEquals(y, -2, 1e-9);
});

function gradient(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = (x + y) % 256;
    }
  }
  return { data, width: w, height: h };
}

Deno.test("warpAffine() with the identity copies pixels; with a translation shifts them", () => {
  const img = gradient(20, 10);
  const same = warpAffine(img, Float64Array.from([1, 0, 0, 0, 1, 0]), 20, 10);
  assert(same.data.every((v, i) => v === img.data[i]));
  const shifted = warpAffine(img, Float64Array.from([1, 0, -3, 0, 1, -2]), 5, 5);
  // output (0,0) reads source (3,2)
  assert(shifted.data[0] === 3 && shifted.data[1] === 2 && shifted.data[2] === 5);
});

Deno.test("warpAffine() area-averages when shrinking (a fine checkerboard becomes flat grey)", () => {
  const w = 256, data = new Uint8Array(w * w * 3);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) data.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  }
  const out = cropResize({ data, width: w, height: w }, { x1: 0, y1: 0, x2: w, y2: w }, 32, 32);
  for (let i = 0; i < out.data.length; i++) assert(Math.abs(out.data[i]! - 127.5) <= 2, `pixel ${i} = ${out.data[i]}`);
});

Deno.test("boxReduce() averages integer blocks and keeps partial edge cells", () => {
  const img = gradient(5, 3);
  const r = boxReduce(img, 0, 0, 5, 3, 2);
  assert(r.width === 3 && r.height === 2);
  assert(r.data[0] === 1); // mean of x = 0,1,0,1 → 0.5 → rounds to 1 (banker's not used)
  assert(r.data[(0 * 3 + 2) * 3] === 4); // partial cell x = 4 only
});

Deno.test("alignFace() on landmarks already at the template returns the image region unchanged", () => {
  const img = gradient(112, 112);
  const { crop, m } = alignFace(img, ARCFACE_TEMPLATE);
  assertAlmostEquals(m[0]!, 1, 1e-9);
  assertAlmostEquals(m[2]!, 0, 1e-6);
  assert(crop.data.every((v, i) => Math.abs(v - img.data[i]!) <= 1));
});

Deno.test("cropResize() maps the box onto the whole output", () => {
  const img = gradient(100, 100);
  const c = cropResize(img, { x1: 10, y1: 20, x2: 30, y2: 60 }, 20, 40);
  assert(c.data[0] === 10 && c.data[1] === 20);
  const last = (39 * 20 + 19) * 3;
  assert(c.data[last] === 29 && c.data[last + 1] === 59);
});

Deno.test("boxReduce() equals the rounded mean of each block (property, any region and factor)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 1000 }),
      (w, h, f, seed) => {
        const W = w + 3, H = h + 2;
        const data = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 7919 + seed * 31) % 256);
        const r = boxReduce({ data, width: W, height: H }, 2, 1, w, h, f);
        for (let oy = 0; oy < r.height; oy++) {
          for (let ox = 0; ox < r.width; ox++) {
            for (let c = 0; c < 3; c++) {
              let s = 0, n = 0;
              for (let y = 1 + oy * f; y < Math.min(1 + h, 1 + (oy + 1) * f); y++) {
                for (let x = 2 + ox * f; x < Math.min(2 + w, 2 + (ox + 1) * f); x++) {
                  s += data[(y * W + x) * 3 + c]!, n++;
                }
              }
              assert(Math.abs(r.data[(oy * r.width + ox) * 3 + c]! - s / n) <= 0.5 + 1e-9);
            }
          }
        }
      },
    ),
    { seed: 5, numRuns: 100 },
  );
});

Deno.test("roundLevel() equals Math.round on pixel sums, at halves and one ulp either side of them (property)", () => {
  for (let n = 0; n < 300; n++) {
    for (const v of [n, n + 0.5, n + 0.25, n + 0.49999999999999994, n + 0.5 - 2 ** -44, n + 0.5 + 2 ** -44]) {
      if (v >= 0) assertEquals(roundLevel(v), Math.round(v), `v = ${v}`);
    }
    // Just below n + ½ in every binade that ½ can cross.
    const below = n + 0.5 - Number.EPSILON * Math.max(1, n + 0.5);
    if (below >= 0) assertEquals(roundLevel(below), Math.round(below), `v = ${below}`);
  }
  fc.assert(fc.property(fc.double({ min: 0, max: 70000, noNaN: true }), (v) => roundLevel(v) === Math.round(v)), {
    numRuns: 20000,
  });
});

Deno.test("affineFromScaled() maps a copy's pixel centres onto the image's; warpShrink() reads the scale", () => {
  const m = estimateSimilarity([300, 200, 340, 198, 320, 225, 305, 245, 337, 244], ARCFACE_TEMPLATE);
  for (const [sx, sy] of [[2, 2], [3, 3], [4.5, 4.25]] as const) {
    const ms = affineFromScaled(m, sx, sy);
    // Copy pixel (i, j) is centred on image point ((i + ½)·sx − ½, (j + ½)·sy − ½): both land on the same output point.
    for (const [i, j] of [[0, 0], [70, 40], [151.5, 99.25]] as const) {
      const [u1, v1] = apply(ms, i, j), [u2, v2] = apply(m, (i + 0.5) * sx - 0.5, (j + 0.5) * sy - 0.5);
      assertAlmostEquals(u1, u2, 1e-9);
      assertAlmostEquals(v1, v2, 1e-9);
    }
    if (sx === sy) assertAlmostEquals(warpShrink(ms), warpShrink(m) / sx, 1e-12);
  }
  // A crop from a 2× box-reduced copy is the crop from the image, up to the reduction's smoothing.
  const W = 400, H = 300, img = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      img.set([128 + 100 * Math.sin(x / 9), 128 + 100 * Math.cos(y / 11), (x + y) % 256], (y * W + x) * 3);
    }
  }
  const big = { data: img, width: W, height: H };
  const small = boxReduce(big, 0, 0, W, H, 2);
  const face = estimateSimilarity([150, 120, 250, 118, 200, 170, 160, 220, 240, 218], ARCFACE_TEMPLATE);
  const a = warpAffine(big, face, 112, 112);
  const meanDiff = (m: Float64Array) => {
    const b = warpAffine(small, m, 112, 112);
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
    return sum / a.data.length;
  };
  const right = meanDiff(affineFromScaled(face, 2, 2));
  // Scaling the matrix alone (pixel corners, not centres, aligned) puts the copy half a pixel off.
  const cornerAligned = meanDiff(
    Float64Array.from([face[0]! * 2, face[1]! * 2, face[2]!, face[3]! * 2, face[4]! * 2, face[5]!]),
  );
  assert(right < 1.5 && right < cornerAligned / 2, `mean |Δ| ${right} (corner-aligned: ${cornerAligned})`);
});

Deno.test("axis-aligned crops (no rotation) take a shortcut that gives the general path's pixels (property)", () => {
  const W = 120, H = 90, data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const image = { data, width: W, height: H };
  fc.assert(
    fc.property(
      fc.double({ min: -30, max: 100, noNaN: true }),
      fc.double({ min: -30, max: 80, noNaN: true }),
      fc.double({ min: 3, max: 150, noNaN: true }),
      fc.double({ min: 3, max: 150, noNaN: true }),
      (x1, y1, w, h) => {
        const m = cropTransform({ x1, y1, x2: x1 + w, y2: y1 + h }, 16, 32);
        // A rotation too small to move any sample still sends the warp down the general path.
        const tilted = Float64Array.from(m);
        tilted[1] = 1e-300;
        assertEquals(warpAffine(image, m, 16, 32).data, warpAffine(image, tilted, 16, 32).data);
      },
    ),
    { numRuns: 300 },
  );
});
