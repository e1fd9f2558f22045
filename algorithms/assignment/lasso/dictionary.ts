/**
 * The prepared lasso dictionary (D in float64 and its Gram matrix G = D·Dᵀ), the correlations D·y every solver
 * starts from, and the objective computed directly from D.
 *
 * @module
 */

/** A dictionary prepared for repeated lasso solves. */
export interface LassoDictionary {
  /** Number of atoms (rows of D). */
  readonly atoms: number;
  /** Atom dimension d. */
  readonly dim: number;
  /** D in float64, atoms × d, row-major. */
  readonly d: Float64Array;
  /** G = D·Dᵀ, atoms × atoms, symmetric. */
  readonly gram: Float64Array;
}

/**
 * Prepares a dictionary: copies it to float64 and computes its Gram matrix.
 * O(atoms² · d).
 *
 * @param atoms D, atoms × dim, row-major (float32 or float64).
 * @param dim atom dimension.
 * @returns the prepared dictionary.
 * @throws {TypeError} when the length is not a multiple of dim.
 * @throws {RangeError} when an entry is not finite.
 * @example
 * ```ts
 * import { prepareLasso, solveLasso } from "./mod.ts";
 * const dict = prepareLasso(new Float32Array([1, 0, 0, 1]), 2);
 * const r = solveLasso(dict, new Float32Array([1, 0]), 0.1);
 * if (Math.abs(r.x[0]! - 0.9) > 1e-9 || r.x[1] !== 0) throw new Error("unexpected");
 * ```
 */
export function prepareLasso(atoms: Float32Array | Float64Array, dim: number): LassoDictionary {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new TypeError(`Dictionary dimension must be a positive integer, got ${dim}`);
  }
  if (atoms.length % dim !== 0) {
    throw new TypeError(`Dictionary length ${atoms.length} is not a multiple of its dimension ${dim}`);
  }
  const k = atoms.length / dim;
  const d = Float64Array.from(atoms);
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) throw new RangeError(`Dictionary atom ${Math.floor(i / dim)} contains ${d[i]}`);
  }
  const gram = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const row = gram.subarray(i * k, i * k + i + 1);
    // Row i of the lower triangle: dots of atom i with atoms 0..i, four at a time.
    dotsWithRows(d, i * dim, d, 0, i + 1, dim, row);
    for (let j = 0; j < i; j++) gram[j * k + i] = row[j]!;
  }
  return { atoms: k, dim, d, gram };
}

/**
 * out[r] = ⟨v, rows[r]⟩ for `count` consecutive rows of `rows` starting at row `first` (float64 accumulation).
 * Four rows per pass so each element of v is loaded once per four products.
 */
function dotsWithRows(
  v: ArrayLike<number>,
  vo: number,
  rows: Float64Array,
  first: number,
  count: number,
  dim: number,
  out: Float64Array,
): void {
  let r = 0;
  for (; r + 3 < count; r += 4) {
    const o0 = (first + r) * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let t = 0; t < dim; t++) {
      const y = v[vo + t]!;
      s0 += rows[o0 + t]! * y;
      s1 += rows[o1 + t]! * y;
      s2 += rows[o2 + t]! * y;
      s3 += rows[o3 + t]! * y;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < count; r++) {
    const o = (first + r) * dim;
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[o + t]! * v[vo + t]!;
    out[r] = s;
  }
}

/** c = D·y in float64; returns ‖y‖². */
export function correlate(dict: LassoDictionary, y: ArrayLike<number>, yOffset: number, c: Float64Array): number {
  const { atoms, dim, d } = dict;
  let yy = 0;
  for (let t = 0; t < dim; t++) yy += y[yOffset + t]! * y[yOffset + t]!;
  dotsWithRows(y, yOffset, d, 0, atoms, dim, c);
  return yy;
}

/**
 * The lasso objective `½‖y − Dᵀx‖² + λ‖x‖₁`, computed directly (not through the Gram matrix).
 *
 * @param atoms D, atoms × dim.
 * @param dim d.
 * @param y query, length d.
 * @param x coefficients, length atoms.
 * @param lambda λ.
 * @returns the objective value.
 */
export function lassoObjective(
  atoms: ArrayLike<number>,
  dim: number,
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  lambda: number,
): number {
  const k = x.length;
  const r = Float64Array.from({ length: dim }, (_, t) => y[t]!);
  let l1 = 0;
  for (let i = 0; i < k; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    l1 += Math.abs(xi);
    for (let t = 0; t < dim; t++) r[t]! -= xi * atoms[i * dim + t]!;
  }
  let rr = 0;
  for (let t = 0; t < dim; t++) rr += r[t]! * r[t]!;
  return 0.5 * rr + lambda * l1;
}
