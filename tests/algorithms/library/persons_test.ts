import { assert, assertEquals } from "../../_assert.ts";
import fc from "fast-check";
import {
  LibraryConstraints,
  mapClustersToPersons,
  scriptedCorrections,
  summarisePersons,
} from "../../../algorithms/library/mod.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { simulateLibrary } from "../../../benchmarks/library_sim.ts";
import { generateLibraryInMemory, resolveConfig } from "../../../datasets/synthetic/mod.ts";

Deno.test("mapClustersToPersons: a relabelled identical clustering keeps every person id", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 80 }),
      fc.integer(),
      (labels, seed) => {
        const prev = Int32Array.from(labels, (l) => l * 3 + 1);
        const perm = new Rng(seed).shuffle(Array.from({ length: 7 }, (_, i) => i));
        const clusters = Int32Array.from(labels, (l) => perm[l]!);
        const r = mapClustersToPersons(prev, clusters, 100);
        assertEquals(r.person, prev);
        assertEquals(r.nextId, 100);
      },
    ),
  );
});

Deno.test("mapClustersToPersons: new observations follow their cluster; a split part gets a new id", () => {
  const prev = Int32Array.of(5, 5, 5, 5, -1, -1);
  const clusters = Int32Array.of(0, 0, 0, 1, 0, 2);
  const r = mapClustersToPersons(prev, clusters, 9);
  assertEquals(Array.from(r.person), [5, 5, 5, 9, 5, 10]);
  assertEquals(r.nextId, 11);
});

Deno.test("LibraryConstraints.repair enforces confirmations, rejections and one person per photo", () => {
  const c = new LibraryConstraints();
  c.confirm(0, 7);
  c.reject(1, 3);
  const person = Int32Array.of(3, 3, 3, 4, 4);
  const asset = Int32Array.of(0, 1, 2, 2, 2);
  const keep = Float64Array.of(0, 0, 0.5, 0.9, 0.2);
  const r = c.repair(person, asset, keep, new Uint8Array(5).fill(1));
  // Face 0 → 7 (confirmed); face 1 rejected from 3 → −1; photo 2: faces 3 and 4 both person 4 → keep 3.
  assertEquals(Array.from(person), [7, -1, 3, 4, -1]);
  assertEquals(r, { confirmed: 1, rejected: 1, cannotLink: 1 });
});

Deno.test("scriptedCorrections stays within budget, is seeded, and proposes only real mistakes", () => {
  const truth = Int32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1);
  const person = Int32Array.of(1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3);
  const hasFace = new Uint8Array(16).fill(1);
  const a = scriptedCorrections(person, truth, hasFace, new Set(), ["ann", "bob"], new Rng(1), { budget: 4 });
  assertEquals(a, scriptedCorrections(person, truth, hasFace, new Set(), ["ann", "bob"], new Rng(1), { budget: 4 }));
  assert(a.length <= 4 && a.length > 0);
  const s = new Map(summarisePersons(person, truth, hasFace).map((x) => [x.person, x]));
  for (const act of a) {
    if (act.kind === "reject") assert(truth[act.face] !== s.get(act.person)!.identity);
    if (act.kind === "merge") assertEquals(s.get(act.into)!.identity, s.get(act.from)!.identity);
  }
  assert(a.some((x) => x.kind === "merge")); // persons 1 and 3 are both "ann"
});

Deno.test("simulateLibrary runs to the end, seeded, and its labels obey every user constraint each night", () => {
  const ds = generateLibraryInMemory(resolveConfig({ observations: 800, identities: 15, seed: 4 }));
  const asset = ds.observations.asset.codes, hasFace = ds.observations.faceRow;
  let checked = 0;
  const r = simulateLibrary(ds, {
    nights: 3,
    corrections: 15,
    onNight(_night, person, constraints, seen) {
      for (const [f, p] of constraints.confirmed) if (seen[f]) assertEquals(person[f], p, `confirmed face ${f}`);
      for (const [f, set] of constraints.rejected) assert(!set.has(person[f]!), `rejected face ${f}`);
      const used = new Set<string>();
      for (let i = 0; i < person.length; i++) {
        if (!seen[i] || person[i]! < 0 || hasFace[i]! < 0) continue;
        const k = `${asset[i]}:${person[i]}`;
        assert(!used.has(k), `photo ${asset[i]} has person ${person[i]} twice`);
        used.add(k);
      }
      checked++;
    },
  });
  assertEquals(checked, 3);
  assertEquals(r.nights.length, 3);
  assert(r.totals.corrections > 0);
  const again = simulateLibrary(ds, { nights: 3, corrections: 15 });
  assertEquals(
    again.nights.map((n) => [n.bcubedF1, n.personsChanged]),
    r.nights.map((n) => [n.bcubedF1, n.personsChanged]),
  );
});
