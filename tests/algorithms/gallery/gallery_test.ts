import { assert, assertEquals, assertThrows } from "../../_assert.ts";
import fc from "fast-check";
import {
  buildGallery,
  EXEMPLAR_STRATEGIES,
  kneeSize,
  selectExemplars,
  selectGallery,
} from "../../../algorithms/gallery/mod.ts";
import { clusteredUnitVectors } from "../assignment/_data.ts";

Deno.test("selectExemplars returns min(c, m) member-derived unit rows, seeded and deterministic", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 30 }),
      fc.integer({ min: 0, max: 8 }),
      fc.constantFrom(...EXEMPLAR_STRATEGIES),
      (seed, m, c, strategy) => {
        const { x } = clusteredUnitVectors(seed, 1, m, 8, 0.3);
        const members = Int32Array.from({ length: m }, (_, i) => i);
        const ex = selectExemplars(x, 8, members, { exemplars: c, strategy, seed });
        assertEquals(ex.length, (c === 0 ? m : Math.min(c, m)) * 8);
        assertEquals(ex, selectExemplars(x, 8, members, { exemplars: c, strategy, seed }));
        for (let r = 0; r < ex.length / 8; r++) {
          let s = 0;
          for (let t = 0; t < 8; t++) s += ex[r * 8 + t]! ** 2;
          assert(Math.abs(s - 1) < 1e-4, `row ${r} norm² ${s}`);
          if (strategy !== "kmeans") {
            // k-medoids and farthest-point pick real members.
            let found = false;
            for (let i = 0; i < m && !found; i++) {
              found = x.subarray(i * 8, i * 8 + 8).every((v, t) => v === ex[r * 8 + t]);
            }
            assert(found, `${strategy}: exemplar ${r} is not a member`);
          }
        }
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("farthest-point exemplars are distinct members when the cluster has distinct rows", () => {
  const { x } = clusteredUnitVectors(3, 1, 20, 16, 0.5);
  const ex = selectExemplars(x, 16, Int32Array.from({ length: 20 }, (_, i) => i), {
    exemplars: 6,
    strategy: "farthest",
  });
  const rows = new Set(Array.from({ length: 6 }, (_, r) => ex.subarray(r * 16, r * 16 + 16).join(",")));
  assertEquals(rows.size, 6);
});

Deno.test("buildGallery groups atoms by person and keeps label ids", () => {
  const { x, labels } = clusteredUnitVectors(4, 4, 7, 16, 0.1);
  const g = buildGallery(x, 16, labels.map((l) => (l === 2 ? -1 : l + 100)), { exemplars: 3 });
  assertEquals(Array.from(g.personId), [100, 101, 103]);
  assertEquals(Array.from(g.personStart), [0, 3, 6, 9]);
  assertEquals(Array.from(g.atomPerson), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assertThrows(() => buildGallery(x, 16, labels, { persons: Int32Array.of(9) }), RangeError, "no members");
});

Deno.test("kneeSize finds the drop in a head-heavy size curve and none on a flat one", () => {
  // The knee is the first point of the tail (largest distance below the chord on log sizes).
  assertEquals(kneeSize([500, 400, 350, 300, 5, 4, 3, 3, 2, 2, 2, 1]), 5);
  assertEquals(kneeSize([10, 10, 9, 9, 9, 8]), 0);
  assertEquals(kneeSize([4, 2]), 0);
});

Deno.test("selectGallery applies size, spread, separation and confirmation in order", () => {
  const dim = 16;
  const { x, labels } = clusteredUnitVectors(5, 4, 20, dim, 0.05);
  const lab = labels.slice();
  // Cluster 0: keep 20. Cluster 1: shrink to 2 members (too small). Cluster 2: a copy of cluster 0's person
  // (separation). Cluster 3: random members (spread).
  const data = x.slice();
  let small = 0;
  for (let i = 0; i < lab.length; i++) {
    if (lab[i] === 1 && small++ >= 2) lab[i] = -1;
    if (lab[i] === 2) data.set(x.subarray((i - 2) * dim, (i - 1) * dim), i * dim); // row of person 0
    if (lab[i] === 3) { for (let t = 0; t < dim; t++) data[i * dim + t] = t === i % dim ? 1 : 0; }
  }
  const s = selectGallery(data, dim, lab, { minSize: 3, knee: false, maxSpread: 0.4 });
  assertEquals(Array.from(s.persons), [0]);
  assertEquals(s.decision, ["selected", "too-small", "separation", "spread"]);
  const c = selectGallery(data, dim, lab, { minSize: 3, knee: false, maxSpread: 0.4, confirmed: [1, 3] });
  assertEquals(Array.from(c.persons), [1, 3, 0]);
  assertEquals(selectGallery(data, dim, lab, { minFraction: 0.5 }).minSize, 31);
});
