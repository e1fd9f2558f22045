import fc from "fast-check";
import { assert, assertEquals } from "../_assert.ts";
import { associateFaces, associationScore, bodyFromFace, hungarian, upperBody } from "../../pipeline/associate.ts";
import { labelledFace } from "../../pipeline/embed_images.ts";

function bruteForce(cost: number[], n: number, m: number): number {
  let best = Infinity;
  const used = new Array(m).fill(false);
  const rec = (i: number, acc: number) => {
    if (i === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + cost[i * m + j]!);
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

Deno.test("hungarian() finds the minimum-cost assignment (matches brute force)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5 }).chain((n) =>
        fc.integer({ min: n, max: 6 }).chain((m) =>
          fc.tuple(
            fc.constant(n),
            fc.constant(m),
            fc.array(fc.integer({ min: -20, max: 20 }), { minLength: n * m, maxLength: n * m }),
          )
        )
      ),
      ([n, m, cost]) => {
        const a = hungarian(Float64Array.from(cost), n, m);
        assertEquals(new Set(a).size, n);
        let total = 0;
        for (let i = 0; i < n; i++) total += cost[i * m + a[i]!]!;
        assertEquals(total, bruteForce(cost, n, m));
      },
    ),
    { seed: 3, numRuns: 150 },
  );
});

Deno.test("associateFaces() pairs each face with the person under it, at most one face per body", () => {
  // Two people side by side, faces at their tops; a third face with no body.
  const persons = [{ x1: 0, y1: 0, x2: 100, y2: 300 }, { x1: 120, y1: 10, x2: 220, y2: 310 }];
  const faces = [
    { x1: 150, y1: 20, x2: 190, y2: 70 },
    { x1: 30, y1: 10, x2: 70, y2: 60 },
    { x1: 400, y1: 10, x2: 440, y2: 60 },
  ];
  assertEquals(Array.from(associateFaces(faces, persons)), [1, 0, -1]);
  // Two faces competing for one body: the better-placed one wins.
  const two = [{ x1: 30, y1: 10, x2: 70, y2: 60 }, { x1: 35, y1: 150, x2: 75, y2: 200 }];
  assertEquals(Array.from(associateFaces(two, [persons[0]!])), [0, -1]);
});

Deno.test("associationScore() is 0 for a face below the upper part or outside the box", () => {
  const p = { x1: 0, y1: 0, x2: 100, y2: 300 };
  assertEquals(associationScore({ x1: 30, y1: 250, x2: 70, y2: 290 }, p), 0);
  assertEquals(associationScore({ x1: 300, y1: 0, x2: 340, y2: 40 }, p), 0);
  assert(associationScore({ x1: 30, y1: 10, x2: 70, y2: 60 }, p) > 0.5);
});

Deno.test("upperBody() keeps the top 55 % of a standing person, the whole of a short box", () => {
  assertEquals(upperBody({ x1: 0, y1: 0, x2: 100, y2: 300 }), { x1: 0, y1: 0, x2: 100, y2: 165 });
  assertEquals(upperBody({ x1: 0, y1: 0, x2: 100, y2: 120 }), { x1: 0, y1: 0, x2: 100, y2: 120 });
});

Deno.test("bodyFromFace() grows below the face and clips to the image", () => {
  const b = bodyFromFace({ x1: 10, y1: 20, x2: 50, y2: 70 }, 100, 150);
  assertEquals(b.x1, 0);
  assertEquals(b.y1, 0);
  assertEquals(b.x2, 94);
  assertEquals(b.y2, 150);
});

Deno.test("labelledFace() picks the largest face, the most central among near-ties, −1 for none", () => {
  assertEquals(labelledFace([], 100, 100), -1);
  assertEquals(labelledFace([{ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 50, y1: 50, x2: 80, y2: 80 }], 100, 100), 1);
  const tie = [{ x1: 0, y1: 0, x2: 30, y2: 30 }, { x1: 35, y1: 35, x2: 65, y2: 65 }, {
    x1: 70,
    y1: 70,
    x2: 100,
    y2: 100,
  }];
  assertEquals(labelledFace(tie, 100, 100), 1);
});

Deno.test("labelledFace(central) picks the face nearest the centre, not a larger bystander cut by the frame", () => {
  // LFW-like: the named person centred, a bystander's larger face at the edge.
  const faces = [{ x1: 0, y1: 20, x2: 60, y2: 90 }, { x1: 100, y1: 100, x2: 150, y2: 150 }];
  assertEquals(labelledFace(faces, 250, 250), 0);
  assertEquals(labelledFace(faces, 250, 250, "central"), 1);
  // Near-equal distances: the larger face wins.
  const pair = [{ x1: 88, y1: 110, x2: 118, y2: 140 }, { x1: 126, y1: 104, x2: 168, y2: 146 }];
  assertEquals(labelledFace(pair, 250, 250, "central"), 1);
  assertEquals(labelledFace([], 250, 250, "central"), -1);
});
