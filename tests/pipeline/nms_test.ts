import fc from "fast-check";
import { assert, assertEquals } from "../_assert.ts";
import { type Detection, iou, nms, scaleDetections } from "../../pipeline/detect/nms.ts";

const box = (x1: number, y1: number, x2: number, y2: number, score: number): Detection => ({
  x1,
  y1,
  x2,
  y2,
  score,
  landmarks: null,
});

Deno.test("iou() of identical, disjoint and half-overlapping boxes", () => {
  assertEquals(iou(box(0, 0, 10, 10, 1), box(0, 0, 10, 10, 1)), 1);
  assertEquals(iou(box(0, 0, 10, 10, 1), box(20, 20, 30, 30, 1)), 0);
  assertEquals(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1)), 50 / 150);
});

Deno.test("nms() keeps the best of overlapping boxes and every separate box", () => {
  const kept = nms([box(0, 0, 10, 10, 0.8), box(1, 1, 11, 11, 0.9), box(50, 50, 60, 60, 0.5)], 0.3);
  assertEquals(kept.map((d) => d.score), [0.9, 0.5]);
});

Deno.test("nms() invariants: kept boxes overlap ≤ threshold; each dropped box overlaps a better kept one", () => {
  const arb = fc.array(
    fc.record({
      x: fc.integer({ min: 0, max: 100 }),
      y: fc.integer({ min: 0, max: 100 }),
      w: fc.integer({ min: 1, max: 40 }),
      h: fc.integer({ min: 1, max: 40 }),
      s: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { maxLength: 40 },
  );
  fc.assert(
    fc.property(arb, fc.double({ min: 0.1, max: 0.9, noNaN: true }), (bs, t) => {
      const dets = bs.map((b) => box(b.x, b.y, b.x + b.w, b.y + b.h, b.s));
      const kept = nms(dets, t);
      for (let i = 0; i < kept.length; i++) {
        for (let j = i + 1; j < kept.length; j++) assert(iou(kept[i]!, kept[j]!) <= t);
        if (i > 0) assert(kept[i - 1]!.score >= kept[i]!.score);
      }
      for (const d of dets) {
        if (kept.includes(d)) continue;
        assert(kept.some((k) => k.score >= d.score && iou(k, d) > t));
      }
    }),
    { seed: 7, numRuns: 200 },
  );
});

Deno.test("scaleDetections() scales boxes and landmarks and clips to the image", () => {
  const d = { ...box(10, 10, 60, 60, 0.9), landmarks: Float32Array.from([20, 20, 40, 20, 30, 30, 22, 45, 38, 45]) };
  const [s] = scaleDetections([d], 2, 100, 100);
  assertEquals([s!.x1, s!.y1, s!.x2, s!.y2], [20, 20, 100, 100]);
  assertEquals(s!.landmarks![0], 40);
});
