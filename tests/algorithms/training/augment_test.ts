import { assert, assertEquals, assertNotEquals, assertThrows } from "../../_assert.ts";
import {
  affineDistort,
  ARCFACE_TEMPLATE_112,
  colorJitter,
  cutout,
  flipHorizontal,
  gaussianBlur,
  grayscale,
  maskPolygon,
  type Pixels,
  syntheticMask,
} from "../../../algorithms/training/augment.ts";
import { Rng } from "../../../algorithms/random/rng.ts";

function noise(w: number, h: number, seed: number): Pixels {
  const rng = new Rng(seed);
  return { data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(256)), width: w, height: h };
}

const at = (img: Pixels, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

Deno.test("flip twice is the identity; grayscale has equal channels; inputs are never modified", () => {
  const img = noise(7, 5, 1), copy = img.data.slice();
  assertEquals(flipHorizontal(flipHorizontal(img)).data, img.data);
  assertEquals(at(flipHorizontal(img), 0, 2), at(img, 6, 2));
  const g = grayscale(img);
  for (let i = 0; i < g.data.length; i += 3) assert(g.data[i] === g.data[i + 1] && g.data[i] === g.data[i + 2]);
  colorJitter(img, new Rng(1), 1), affineDistort(img, new Rng(1), 1), cutout(img, new Rng(1), 1), gaussianBlur(img, 1);
  assertEquals(img.data, copy);
});

Deno.test("strength 0 leaves colour jitter and the affine distortion as identities; seeds repeat", () => {
  const img = noise(16, 16, 2);
  assertEquals(colorJitter(img, new Rng(3), 0).data, img.data);
  assertEquals(affineDistort(img, new Rng(3), 0).data, img.data);
  assertEquals(affineDistort(img, new Rng(3), 1).data, affineDistort(img, new Rng(3), 1).data);
  assertNotEquals(affineDistort(img, new Rng(3), 1).data, affineDistort(img, new Rng(4), 1).data);
});

Deno.test("blur keeps a constant image constant and smooths noise", () => {
  const flat: Pixels = { data: new Uint8Array(10 * 10 * 3).fill(77), width: 10, height: 10 };
  assertEquals(gaussianBlur(flat, 2).data, flat.data);
  const img = noise(20, 20, 5), b = gaussianBlur(img, 1.5);
  const variance = (p: Pixels) => {
    const m = p.data.reduce((s, v) => s + v, 0) / p.data.length;
    return p.data.reduce((s, v) => s + (v - m) ** 2, 0) / p.data.length;
  };
  assert(variance(b) < 0.3 * variance(img));
});

Deno.test("cutout greys one rectangle of at most 40% of each side", () => {
  const img: Pixels = { data: new Uint8Array(50 * 50 * 3).fill(10), width: 50, height: 50 };
  const out = cutout(img, new Rng(8), 1);
  const grey = out.data.filter((v) => v === 128).length / 3;
  assert(grey > 0 && grey <= 20 * 20, `grey pixels ${grey}`);
});

Deno.test("synthetic mask covers nose and mouth, not the eyes or the forehead", () => {
  const img: Pixels = { data: new Uint8Array(112 * 112 * 3), width: 112, height: 112 };
  const texture: Pixels = { data: new Uint8Array(8 * 8 * 3).fill(200), width: 8, height: 8 };
  const out = syntheticMask(img, { rng: new Rng(1), texture });
  const [le, , nose, lm] = ARCFACE_TEMPLATE_112;
  assertEquals(at(out, Math.round(le![0]), Math.round(le![1])), [0, 0, 0]);
  assertEquals(at(out, 56, 20), [0, 0, 0]);
  assert(at(out, Math.round(nose![0]), Math.round(nose![1]) + 2)[0]! > 100);
  assert(at(out, Math.round(lm![0]) + 3, Math.round(lm![1]))[0]! > 100);
  assertEquals(maskPolygon(ARCFACE_TEMPLATE_112).length, 7);
  assertThrows(() => maskPolygon([[1, 2]]), RangeError);
});
