import { assert, assertEquals, assertNotEquals, assertThrows } from "../_assert.ts";
import fc from "fast-check";
import { Rng } from "../../algorithms/random/mod.ts";

Deno.test("Rng gives the same stream for the same seed and different streams for different seeds", () => {
  const draw = (seed: number | string) => {
    const r = new Rng(seed);
    return Array.from({ length: 32 }, () => r.u32());
  };
  assertEquals(draw(7), draw(7));
  assertEquals(draw("moments"), draw("moments"));
  assertNotEquals(draw(7), draw(8));
});

Deno.test("Rng.int stays in range and Rng.float in [0, 1)", () => {
  fc.assert(
    fc.property(fc.integer(), fc.integer({ min: 1, max: 1_000_000 }), (seed, n) => {
      const r = new Rng(seed);
      for (let i = 0; i < 50; i++) {
        const k = r.int(n);
        assert(Number.isInteger(k) && k >= 0 && k < n);
        const f = r.float();
        assert(f >= 0 && f < 1);
      }
    }),
  );
  assertThrows(() => new Rng(1).int(0), RangeError);
});

Deno.test("Rng.normal has mean ≈ 0 and variance ≈ 1", () => {
  const r = new Rng(3);
  let s = 0, s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const v = r.normal();
    s += v;
    s2 += v * v;
  }
  assert(Math.abs(s / n) < 0.03);
  assert(Math.abs(s2 / n - 1) < 0.05);
});

Deno.test("Rng.shuffle permutes and fork() derives a stream without advancing the parent", () => {
  const r = new Rng(11);
  const xs = r.shuffle(Int32Array.from({ length: 100 }, (_, i) => i));
  assertEquals(Array.from(xs).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  const a = new Rng(5), b = new Rng(5);
  a.fork("x");
  assertEquals(a.u32(), b.u32());
  assertEquals(new Rng(5).fork("x").u32(), new Rng(5).fork("x").u32());
  assertNotEquals(new Rng(5).fork("x").u32(), new Rng(5).fork("y").u32());
});
