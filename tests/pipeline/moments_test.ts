import fc from "fast-check";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { groupMoments, haversineKm } from "../../pipeline/moments.ts";

const H = 3600 * 1000;

Deno.test("groupMoments() splits on time gaps and numbers moments in time order", () => {
  const t = Float64Array.from([5 * H, 0, 1 * H, 10 * H, 10.5 * H]);
  const nan = new Float64Array(5).fill(NaN);
  assertEquals(Array.from(groupMoments(t, nan, nan, { maxGapMs: 2 * H })), [1, 0, 0, 2, 2]);
});

Deno.test("groupMoments() splits on GPS distance between consecutive photos", () => {
  const t = Float64Array.from([0, 60000, 120000]);
  const lat = Float64Array.from([48.8566, 48.8570, 51.5072]); // Paris, Paris, London
  const lon = Float64Array.from([2.3522, 2.3530, -0.1276]);
  assertEquals(Array.from(groupMoments(t, lat, lon, { maxDistanceKm: 1 })), [0, 0, 1]);
});

Deno.test("groupMoments() gives each photo without a time its own moment, after the timed ones", () => {
  const t = Float64Array.from([NaN, 0, NaN]);
  const nan = new Float64Array(3).fill(NaN);
  assertEquals(Array.from(groupMoments(t, nan, nan)), [1, 0, 2]);
});

Deno.test("groupMoments() result does not depend on input order (up to relabelling)", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 48 }), { minLength: 1, maxLength: 30 }), fc.nat(), (hours, seed) => {
      const t = Float64Array.from(hours, (h) => h * H);
      const nan = new Float64Array(t.length).fill(NaN);
      const a = groupMoments(t, nan, nan, { maxGapMs: 3 * H });
      const perm = t.map((_, i) => i).sort((x, y) => ((x * 7919 + seed) % 31) - ((y * 7919 + seed) % 31) || x - y);
      const b = groupMoments(Float64Array.from(perm, (i) => t[i]!), nan, nan, { maxGapMs: 3 * H });
      for (let i = 0; i < t.length; i++) {
        for (let j = 0; j < t.length; j++) {
          assertEquals(a[perm[i]!] === a[perm[j]!], b[i] === b[j]);
        }
      }
      const ids = new Set(a);
      assert([...ids].every((m) => m >= 0 && m < ids.size));
    }),
    { seed: 11, numRuns: 100 },
  );
});

Deno.test("haversineKm() Paris–London is about 344 km; bad limits throw", () => {
  assertAlmostEquals(haversineKm(48.8566, 2.3522, 51.5072, -0.1276), 343.5, 1.5);
  const z = new Float64Array(1);
  assertThrows(() => groupMoments(z, z, z, { maxGapMs: -1 }), RangeError);
  assertThrows(() => groupMoments(z, new Float64Array(2), z), RangeError);
});
