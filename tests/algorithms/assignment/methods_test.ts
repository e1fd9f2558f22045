import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../_assert.ts";
import fc from "fast-check";
import { add, flatten, identity, lusolve, multiply, transpose } from "mathjs";
import {
  assign,
  ASSIGNMENT_METHODS,
  assignmentMethodIds,
  crcProjection,
  registerAssignmentMethod,
} from "../../../algorithms/assignment/methods.ts";
import { buildGallery, galleryFromAtoms } from "../../../algorithms/gallery/mod.ts";
import { clusteredUnitVectors, randomUnitRows } from "./_data.ts";

Deno.test("crcProjection·y equals the closed form (DDᵀ + λI)⁻¹D·y solved by mathjs", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 2, max: 10 }),
      fc.double({ min: 1e-3, max: 2, noNaN: true }),
      (seed, atoms, dim, lambda) => {
        const d = randomUnitRows(seed, atoms, dim), y = randomUnitRows(seed + 7, 1, dim);
        const { projection } = crcProjection(d, dim, lambda);
        const D = Array.from({ length: atoms }, (_, i) => Array.from(d.subarray(i * dim, (i + 1) * dim)));
        const A = add(multiply(D, transpose(D)), multiply(lambda, identity(atoms, "dense"))) as unknown as number[][];
        const b = multiply(D, Array.from(y)) as unknown as number[];
        const sol = lusolve(A, b.map((v) => [v])) as unknown as { toArray?: () => number[][] } & number[][];
        const want = flatten(sol.toArray ? sol.toArray() : sol) as unknown as number[];
        for (let i = 0; i < atoms; i++) {
          let x = 0;
          for (let t = 0; t < dim; t++) x += projection[i * dim + t]! * y[t]!;
          assertAlmostEquals(x, want[i]!, 1e-9 * Math.max(1, Math.abs(want[i]!)), `atom ${i}`);
        }
      },
    ),
    { numRuns: 80 },
  );
});

Deno.test("every method assigns a query equal to an exemplar to that exemplar's person", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 2, max: 8 }),
      fc.integer({ min: 1, max: 6 }),
      fc.constantFrom(16, 32, 64),
      (seed, persons, perPerson, dim) => {
        // Separated persons (within-person cosine ≈ 0.9), as a gallery is meant to be.
        const { x, labels } = clusteredUnitVectors(seed, persons, perPerson, dim, 0.3 / Math.sqrt(dim));
        const gallery = buildGallery(x, dim, labels, { exemplars: 0 });
        for (const method of assignmentMethodIds()) {
          const r = assign(method, gallery, gallery.atoms, { lambda: method === "crc" ? 0.001 : 0.05 });
          for (let a = 0; a < gallery.atomPerson.length; a++) {
            assertEquals(r.person[a], gallery.personId[gallery.atomPerson[a]!], `${method}, atom ${a}`);
          }
        }
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("sparse: λ above max |D·y| gives x = 0, hence unknown (−1) with score 0", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
      const { x, labels } = clusteredUnitVectors(seed, 4, 3, 16, 0.1);
      const gallery = buildGallery(x, 16, labels, { exemplars: 0 });
      const q = randomUnitRows(seed + 1, 5, 16);
      const r = assign("sparse", gallery, q, { lambda: 1.0001 }); // unit rows: |⟨d, y⟩| ≤ 1
      assert(r.person.every((p) => p === -1) && r.score.every((s) => s === 0));
      assert(r.best.every((p) => p === -1));
    }),
    { numRuns: 20 },
  );
});

Deno.test("the unknown threshold turns low scores into −1 and keeps the pre-threshold best", () => {
  const { x, labels } = clusteredUnitVectors(1, 3, 4, 16, 0.05);
  const gallery = buildGallery(x, 16, labels, { exemplars: 2 });
  const q = randomUnitRows(9, 20, 16);
  for (const method of assignmentMethodIds()) {
    const open = assign(method, gallery, q, {});
    const t = [...open.score].sort((a, b) => a - b)[10]!;
    const closed = assign(method, gallery, q, { unknownThreshold: t });
    for (let i = 0; i < 20; i++) {
      assertEquals(closed.best[i], open.best[i]);
      assertEquals(closed.person[i], open.score[i]! < t ? -1 : open.best[i]);
    }
  }
});

Deno.test("assignment is deterministic and maps to the gallery's person ids", () => {
  const { x, labels } = clusteredUnitVectors(2, 5, 6, 32, 0.05);
  const shifted = labels.map((l) => l * 10 + 3);
  const g1 = buildGallery(x, 32, shifted, { exemplars: 3, strategy: "kmeans", seed: 4 });
  const g2 = buildGallery(x, 32, shifted, { exemplars: 3, strategy: "kmeans", seed: 4 });
  assertEquals(g1.atoms, g2.atoms);
  for (const method of assignmentMethodIds()) {
    const a = assign(method, g1, x), b = assign(method, g2, x);
    assertEquals(a, b);
    for (let i = 0; i < labels.length; i++) assertEquals(a.person[i], shifted[i], `${method} row ${i}`);
  }
});

Deno.test("assign validates its inputs and the registry refuses duplicates", () => {
  const g = galleryFromAtoms(new Float32Array([1, 0, 0, 1]), 2, new Int32Array([0, 1]));
  assertThrows(() => assign("nope", g, new Float32Array(2)), RangeError, "Unknown assignment method");
  assertThrows(() => assign("centroid", g, new Float32Array(3)), TypeError);
  assertThrows(() => assign("centroid", g, new Float32Array([NaN, 1])), RangeError, "contains NaN");
  assertThrows(() => assign("knn", g, new Float32Array(2), { k: 0 }), RangeError);
  assertThrows(() => assign("sparse", g, new Float32Array(2), { lambda: -1 }), RangeError);
  assertThrows(() => registerAssignmentMethod(ASSIGNMENT_METHODS.get("crc")!), Error, "already registered");
  for (const method of assignmentMethodIds()) assertEquals(assign(method, g, new Float32Array(0)).person.length, 0);
  assertThrows(() => galleryFromAtoms(new Float32Array([0, 0]), 2, new Int32Array([0])), RangeError, "zero vector");
  assertThrows(() => galleryFromAtoms(new Float32Array(4), 2, new Int32Array([0, 2])), RangeError, "no exemplar");
});

Deno.test("every method handles one query, one person, and duplicate atoms across persons without NaN", () => {
  const one = galleryFromAtoms(new Float32Array([0.6, 0.8]), 2, new Int32Array([0]));
  // Atoms 0 and 2 are identical but belong to different persons (a singular Gram matrix).
  const dup = galleryFromAtoms(new Float32Array([1, 0, 0, 1, 1, 0]), 2, new Int32Array([0, 1, 2]));
  const q = new Float32Array([0.9, 0.1, 0.1, 0.9, 1, 0]);
  for (const method of assignmentMethodIds()) {
    const a = assign(method, one, q.subarray(0, 2));
    assertEquals(a.person[0], 0, method);
    const r = assign(method, dup, q);
    for (let i = 0; i < 3; i++) {
      assert(Number.isFinite(r.score[i]!), `${method} query ${i}: score ${r.score[i]}`);
      assert(r.person[i]! >= 0 && r.person[i]! <= 2, `${method} query ${i}: person ${r.person[i]}`);
    }
    assertEquals(r.person[1], 1, `${method}: the query on atom 1`);
    assert(r.person[2] === 0 || r.person[2] === 2, `${method}: a query on the duplicated atom`);
  }
});
