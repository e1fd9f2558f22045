import fc from "fast-check";
import { type ClusterInput, greedyFirstPass, twoPassCluster } from "../../../algorithms/clustering/mod.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { assert, assertEquals, assertThrows } from "../../_assert.ts";
import { samePartition, unitRows } from "../hac/_fixtures.ts";

/** A small library: `people` identities, faces and bodies around per-person centres, random moments. */
function library(seed: number, n: number, people: number, opts: { faceless?: number; dup?: boolean } = {}) {
  const rng = new Rng(seed);
  const dim = 6;
  const centres = unitRows(seed + 1, people, dim, false);
  const bodyCentres = unitRows(seed + 2, people * 3, dim, false);
  const face = new Float32Array(n * dim), body = new Float32Array(n * dim);
  const faceRow = new Int32Array(n), bodyRow = new Int32Array(n), moment = new Int32Array(n);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = rng.int(people);
    truth[i] = p;
    moment[i] = rng.int(3);
    const src = opts.dup && i > 0 && rng.bernoulli(0.3) ? rng.int(i) : -1;
    for (const [m, c, row] of [[face, centres, p], [body, bodyCentres, p * 3 + moment[i]!]] as const) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const v = c[row * dim + k]! + 0.3 * rng.normal();
        m[i * dim + k] = v;
        s += v * v;
      }
      for (let k = 0; k < dim; k++) m[i * dim + k]! /= Math.sqrt(s);
    }
    if (src >= 0) face.copyWithin(i * dim, src * dim, (src + 1) * dim);
    faceRow[i] = rng.bernoulli(opts.faceless ?? 0) ? -1 : i;
    bodyRow[i] = i;
  }
  const input: ClusterInput = { n, face, faceDim: dim, faceRow, body, bodyDim: dim, bodyRow, moment };
  return { input, truth };
}

Deno.test("greedyFirstPass() with β = 0 equals the face-only run (bodies removed)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e6 }),
      fc.integer({ min: 1, max: 60 }),
      fc.double({
        min: 0,
        max: 1,
        noNaN: true,
      }),
      (seed, n, t1) => {
        const { input } = library(seed, n, 4, { faceless: 0.2 });
        const a = greedyFirstPass(input, { threshold: t1, fusion: { beta: 0 } });
        const b = greedyFirstPass({ ...input, body: null, bodyDim: 0 }, { threshold: t1 });
        assertEquals(a.labels, b.labels);
      },
    ),
    { numRuns: 30 },
  );
});

Deno.test("greedyFirstPass() with t1 = 0 gives singletons except exact duplicates", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 60 }), (seed, n) => {
      const { input } = library(seed, n, 3, { dup: true });
      const r = greedyFirstPass({ ...input, body: null, bodyDim: 0 }, { threshold: 0 });
      const dim = input.faceDim;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const fi = input.face.subarray(i * dim, (i + 1) * dim), fj = input.face.subarray(j * dim, (j + 1) * dim);
          const identical = fi.every((v, k) => v === fj[k]);
          assertEquals(r.labels[i] === r.labels[j], identical, `observations ${i}, ${j}`);
        }
      }
    }),
    { numRuns: 30 },
  );
});

Deno.test("greedyFirstPass() returns consistent labels, members and unit mean faces; follows the order", () => {
  const { input } = library(7, 80, 5, { faceless: 0.1 });
  const r = greedyFirstPass(input, { threshold: 0.3 });
  assertEquals(r.memberStart[r.clusters], 80);
  for (let c = 0; c < r.clusters; c++) {
    for (let p = r.memberStart[c]!; p < r.memberStart[c + 1]!; p++) assertEquals(r.labels[r.members[p]!], c);
    if (r.faceCount[c]! > 0) {
      let s = 0;
      for (let k = 0; k < input.faceDim; k++) s += r.faceMeans[c * input.faceDim + k]! ** 2;
      assert(Math.abs(s - 1) < 1e-5);
    }
  }
  // The first observation in processing order founds cluster 0.
  const order = Int32Array.from({ length: 80 }, (_, i) => 79 - i);
  assertEquals(greedyFirstPass({ ...input, order }, { threshold: 0.3 }).labels[79], 0);
  assertThrows(() => greedyFirstPass(input, { threshold: -0.1 }), RangeError, "threshold");
  assertThrows(() => greedyFirstPass({ ...input, order: new Int32Array(80) }), RangeError, "permutation");
});

Deno.test("greedyFirstPass(): body-only observations join their person's cluster through T in the same moment", () => {
  const { input, truth } = library(3, 120, 3, { faceless: 0.25 });
  const fused = greedyFirstPass(input, { threshold: 0.25 });
  let joined = 0, correct = 0;
  for (let i = 0; i < input.n; i++) {
    if (input.faceRow[i]! >= 0) continue;
    const c = fused.labels[i]!;
    const size = fused.memberStart[c + 1]! - fused.memberStart[c]!;
    if (size > 1) {
      joined++;
      for (let p = fused.memberStart[c]!; p < fused.memberStart[c + 1]!; p++) {
        if (truth[fused.members[p]!] === truth[i]) correct++;
      }
    }
  }
  assert(joined > 0, "no body-only observation joined a cluster");
  assert(correct > 0);
});

Deno.test("twoPassCluster(): first pass off equals plain HAC on faces; labels cover every observation", () => {
  const { input } = library(9, 70, 4);
  const r = twoPassCluster(input, { firstPass: null, hac: { linkage: "average", threshold: 0.4 } });
  assertEquals(r.labels.length, 70);
  assert(samePartition(r.labels, r.hac.labels));
  const two = twoPassCluster(input, { firstPass: { threshold: 0.2 }, hac: { linkage: "median", threshold: 0.4 } });
  assert(two.firstPass !== null);
  assertEquals(two.hacItems.length, two.firstPass.clusters);
  // Observations of one first-pass cluster stay together.
  for (let i = 0; i < 70; i++) {
    for (let j = 0; j < 70; j++) {
      if (two.firstPassLabels[i] === two.firstPassLabels[j]) assertEquals(two.labels[i], two.labels[j]);
    }
  }
});
