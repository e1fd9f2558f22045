/**
 * The reference workload: a fixed, code-independent CPU kernel (blocked float32 dot products) measured in the
 * same job as everything else, so the gate can compare latencies as ratios and machine speed cancels out.
 * @module
 */
import type { Variant } from "../types.ts";

/** Parameters of {@link referenceVariant}. */
export interface ReferenceParams extends Record<string, number> {
  n: number;
  dim: number;
  rounds: number;
}

/** `reference`: all-pairs dot products of `n` random `dim`-vectors, `rounds` times (≈ n²·dim·rounds flops). */
export const referenceVariant: Variant<ReferenceParams> = {
  id: "reference",
  stage: "reference",
  summary: "fixed CPU workload (all-pairs float32 dot products) to normalise latencies by machine speed",
  params: {
    n: { kind: "int", default: 600, min: 2, max: 20000, help: "vectors [600]" },
    dim: { kind: "int", default: 128, min: 1, max: 4096, help: "vector length [128]" },
    rounds: { kind: "int", default: 3, min: 1, max: 1000, help: "repetitions of the all-pairs pass [3]" },
  },
  prepare(_input, p, ctx) {
    const x = new Float32Array(p.n * p.dim);
    for (let i = 0; i < x.length; i++) x[i] = ctx.rng.normal();
    return x;
  },
  run(_input, p, ctx, state) {
    const x = state as Float32Array;
    const { n, dim } = p;
    const samples: number[] = [];
    let checksum = 0;
    for (let r = 0; r < p.rounds; r++) {
      const t0 = ctx.clock();
      for (let i = 0; i < n; i++) {
        const oi = i * dim;
        for (let j = i + 1; j < n; j++) {
          const oj = j * dim;
          let s = 0;
          for (let k = 0; k < dim; k++) s += x[oi + k]! * x[oj + k]!;
          checksum += s;
        }
      }
      samples.push(ctx.clock() - t0);
    }
    // The checksum keeps the loop from being optimised away and is a determinism check.
    return { samples: { round_seconds: samples }, counters: { dot_products: (p.rounds * n * (n - 1)) / 2, checksum } };
  },
};
