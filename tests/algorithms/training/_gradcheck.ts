/** Finite-difference gradient checks for the hand-written training math. @module */
import { assert } from "../../_assert.ts";

/**
 * Central differences of `f` with respect to every entry of `x` (perturbed in place and restored), compared
 * with `analytic`: fails when |numeric − analytic| > tol · max(1, |numeric|, |analytic|) anywhere.
 */
export function checkGradient(
  label: string,
  x: Float64Array,
  f: () => number,
  analytic: Float64Array,
  options: { h?: number; tol?: number } = {},
): void {
  const h = options.h ?? 1e-6, tol = options.tol ?? 1e-5;
  assert(analytic.length === x.length, `${label}: gradient has ${analytic.length} entries for ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + h;
    const up = f();
    x[i] = saved - h;
    const down = f();
    x[i] = saved;
    const numeric = (up - down) / (2 * h);
    const scale = Math.max(1, Math.abs(numeric), Math.abs(analytic[i]!));
    assert(
      Math.abs(numeric - analytic[i]!) <= tol * scale,
      `${label}: entry ${i}: finite difference ${numeric}, analytic ${analytic[i]}`,
    );
  }
}

/** Uniform random values in [lo, hi) from a tiny seeded LCG (tests only need variety, not quality). */
export function randomArray(length: number, seed: number, lo = -1, hi = 1): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 0x100000000;
  }
  return out;
}

/** Σ r_i·y_i: a random linear functional that turns a layer's output into a scalar whose gradient is r. */
export function dot(a: Float64Array, b: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc += a[i]! * b[i]!;
  return acc;
}
