import fc from "fast-check";
import { assert, assertEquals } from "../_assert.ts";
import { type LabelPoint, placeLabels } from "../../reports/labels.ts";

const CW = 6.8, LH = 14;

function box(p: LabelPoint, o: { dx: number; dy: number }) {
  const w = p.text.length * CW + 4;
  return { x0: p.x + o.dx - w / 2, x1: p.x + o.dx + w / 2, y0: p.y + o.dy - LH / 2, y1: p.y + o.dy + LH / 2 };
}

function overlaps(a: ReturnType<typeof box>, b: ReturnType<typeof box>): boolean {
  return Math.min(a.x1, b.x1) > Math.max(a.x0, b.x0) && Math.min(a.y1, b.y1) > Math.max(a.y0, b.y0);
}

Deno.test("placeLabels: close points get separate labels, none covering a marker, all inside the plot", () => {
  const points = [
    { x: 300, y: 200, text: "linkage: average" },
    { x: 306, y: 200, text: "face-vs-face-body: face+body" },
    { x: 320, y: 205, text: "linkage: median" },
    { x: 790, y: 10, text: "linkage: single" },
  ];
  const offsets = placeLabels(points, { width: 800, height: 400 });
  const boxes = points.map((p, i) => box(p, offsets[i]!));
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    assert(b.x0 >= 0 && b.x1 <= 800 && b.y0 >= 0 && b.y1 <= 400, `label ${i} leaves the plot`);
    for (let j = i + 1; j < boxes.length; j++) assert(!overlaps(b, boxes[j]!), `labels ${i} and ${j} overlap`);
    for (const p of points) {
      assert(!overlaps(b, { x0: p.x - 6, x1: p.x + 6, y0: p.y - 6, y1: p.y + 6 }), `label ${i} covers a marker`);
    }
  }
  // Same input, same placement.
  assertEquals(placeLabels(points, { width: 800, height: 400 }), offsets);
});

Deno.test("placeLabels: sparse points keep their labels next to them, without leader lines", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 12 })), {
        minLength: 1,
        maxLength: 16,
      }),
      (cells) => {
        // One point per grid cell (200 × 100 px cells): room for a label beside each.
        const seen = new Set<string>();
        const points = cells.filter(([i, j]) => !seen.has(`${i},${j}`) && seen.add(`${i},${j}`)).map((
          [i, j, t],
        ) => ({ x: 100 + 200 * i, y: 50 + 100 * j, text: t }));
        const offsets = placeLabels(points, { width: 800, height: 400 });
        const boxes = points.map((p, k) => box(p, offsets[k]!));
        offsets.forEach((o) => assert(!o.leader));
        for (let a = 0; a < boxes.length; a++) {
          for (let b = a + 1; b < boxes.length; b++) assert(!overlaps(boxes[a]!, boxes[b]!));
        }
      },
    ),
    { seed: 11, numRuns: 200 },
  );
});
