import { RowDots } from "../../../algorithms/distance/row_dots.ts";
import { Rng } from "../../../algorithms/random/rng.ts";
import { assert } from "../../_assert.ts";

Deno.test("RowDots scores gathered rows like a float64 dot product, with and without WebAssembly SIMD", () => {
  const rng = new Rng(3);
  for (const dim of [3, 16, 128, 130]) {
    const rows = 300, data = Float32Array.from({ length: rows * dim }, () => rng.normal());
    const query = Float32Array.from({ length: dim }, () => rng.normal());
    for (const simd of [true, false]) {
      const r = new RowDots(dim, simd);
      for (let i = 0; i < rows; i++) r.setRow(i, data, i * dim, 0.5);
      r.setQuery(query, 0, 2);
      const ids = [7, 0, 299, 7, 150];
      ids.forEach((id, k) => r.ids[k] = id);
      r.score(ids.length);
      ids.forEach((id, k) => {
        let s = 0;
        for (let j = 0; j < dim; j++) s += data[id * dim + j]! * query[j]!;
        assert(
          Math.abs(r.scores[k]! - s) <= 1e-4 * (1 + Math.abs(s)),
          `dim ${dim} simd ${simd}: ${r.scores[k]} vs ${s}`,
        );
      });
    }
  }
});
