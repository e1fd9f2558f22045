/** Small synthetic galleries for the assignment tests. @module */
import { Rng } from "../../../algorithms/random/rng.ts";

/** Unit vectors around `persons` random centres: `perPerson` rows each, noise σ per coordinate. */
export function clusteredUnitVectors(
  seed: number,
  persons: number,
  perPerson: number,
  dim: number,
  noise: number,
): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const centres = new Float64Array(persons * dim);
  for (let i = 0; i < centres.length; i++) centres[i] = rng.normal();
  const n = persons * perPerson, x = new Float32Array(n * dim), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = i % persons;
    labels[i] = p;
    let s = 0;
    const v = new Float64Array(dim);
    let cs = 0;
    for (let t = 0; t < dim; t++) cs += centres[p * dim + t]! ** 2;
    for (let t = 0; t < dim; t++) {
      v[t] = centres[p * dim + t]! / Math.sqrt(cs) + noise * rng.normal();
      s += v[t]! * v[t]!;
    }
    for (let t = 0; t < dim; t++) x[i * dim + t] = v[t]! / Math.sqrt(s);
  }
  return { x, labels };
}

/** Random unit rows. */
export function randomUnitRows(seed: number, n: number, dim: number): Float32Array {
  const rng = new Rng(seed), out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < dim; t++) (out[i * dim + t] = rng.normal(), s += out[i * dim + t]! ** 2);
    for (let t = 0; t < dim; t++) out[i * dim + t]! /= Math.sqrt(s);
  }
  return out;
}
