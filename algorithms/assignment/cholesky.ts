/**
 * Dense Cholesky factorisation and solves in float64, for the small symmetric positive-definite systems
 * of collaborative representation ((D·Dᵀ + λI) x = D·y).
 * @module
 */

/**
 * Factorises a symmetric positive-definite matrix A = L·Lᵀ (lower triangle, row-major, n × n).
 * Only the lower triangle of `a` is read. O(n³/3).
 *
 * @param a the matrix, n × n row-major.
 * @param n its order.
 * @returns L, n × n row-major, zero above the diagonal.
 * @throws {RangeError} when A is not (numerically) positive definite.
 * @example
 * ```ts
 * import { cholesky, choleskySolve } from "./cholesky.ts";
 * const l = cholesky(new Float64Array([4, 2, 2, 3]), 2);
 * const x = choleskySolve(l, 2, new Float64Array([2, 1]));
 * if (Math.abs(x[0]! - 0.5) > 1e-12 || Math.abs(x[1]!) > 1e-12) throw new Error("bad solve");
 * ```
 */
export function cholesky(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new TypeError(`Cholesky needs an ${n} × ${n} matrix, got length ${a.length}`);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const oj = j * n;
    let s = a[oj + j]!;
    for (let k = 0; k < j; k++) s -= l[oj + k]! * l[oj + k]!;
    if (!(s > 0)) throw new RangeError(`Matrix is not positive definite (pivot ${j} is ${s})`);
    const ljj = Math.sqrt(s);
    l[oj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const oi = i * n;
      let t = a[oi + j]!;
      for (let k = 0; k < j; k++) t -= l[oi + k]! * l[oj + k]!;
      l[oi + j] = t / ljj;
    }
  }
  return l;
}

/**
 * Solves L·Lᵀ·x = b given the factor from {@link cholesky}; `b` is overwritten unless `out` is given.
 *
 * @param l the Cholesky factor, n × n.
 * @param n the order.
 * @param b right-hand side, length n.
 * @param out where to write x [a new array].
 * @returns x.
 */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(n);
  // Forward substitution L·z = b.
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[oi + k]! * x[k]!;
    x[i] = s / l[oi + i]!;
  }
  // Back substitution Lᵀ·x = z.
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}
