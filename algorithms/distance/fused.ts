/**
 * The fused face + upper-body observation distance of the two-pass clustering
 * (Apple, "Recognizing People in Photos Through Private On-Device Machine Learning", 2021):
 * `D = min(F, α·F + β·T)`, F the face cosine distance, T the upper-body cosine distance.
 *
 * @module
 */

/**
 * Parameters of the fused distance. Every field has a documented default in {@link DEFAULT_FUSION}.
 *
 * Semantics, for two observations (or an observation and a cluster summary):
 * - F defined (both have a face) and T defined (both have a body and, when `gateByMoment`, the same
 *   moment) and β > 0: `D = min(F, α·F + β·T)`;
 * - F defined only, or β = 0: `D = F` — β = 0 switches bodies off entirely (face-only clustering);
 * - T defined only (a body-only observation) and β > 0 and `bodyOnly`: `D = T`;
 * - otherwise `D = +∞` (the two cannot be compared).
 */
export interface FusionConfig {
  /** Weight of the face distance inside the fused term [0.6]. */
  alpha: number;
  /** Weight of the body distance inside the fused term; 0 disables bodies [0.4]. */
  beta: number;
  /** Count T only for observations of the same moment (clothes change between moments) [true]. */
  gateByMoment: boolean;
  /** Let body-only observations be compared by T alone [true]. */
  bodyOnly: boolean;
}

/** Defaults: α + β = 1 so the fused term is a convex mix and helps only when T < F. */
export const DEFAULT_FUSION: Readonly<FusionConfig> = Object.freeze({
  alpha: 0.6,
  beta: 0.4,
  gateByMoment: true,
  bodyOnly: true,
});

/**
 * Validates and completes a partial fusion config.
 * @param config fields to override
 * @returns a full config
 * @throws {RangeError} when α or β is negative or not finite
 */
export function fusionConfig(config: Partial<FusionConfig> = {}): FusionConfig {
  const c = { ...DEFAULT_FUSION, ...config };
  if (!(c.alpha >= 0) || !Number.isFinite(c.alpha)) throw new RangeError(`alpha must be ≥ 0, got ${c.alpha}`);
  if (!(c.beta >= 0) || !Number.isFinite(c.beta)) throw new RangeError(`beta must be ≥ 0, got ${c.beta}`);
  return c;
}

/**
 * Combines a face distance and a body distance (NaN = not available) per {@link FusionConfig}.
 * The moment gate is the caller's job: pass `t = NaN` when the two are in different moments and
 * `gateByMoment` is on.
 *
 * @param f face cosine distance, or NaN when either side has no face
 * @param t body cosine distance, or NaN when unavailable (or gated out)
 * @param config fusion parameters
 * @returns the fused distance, `Infinity` when neither is available
 * @example
 * ```ts
 * import { DEFAULT_FUSION, fuseDistances } from "./fused.ts";
 * if (fuseDistances(0.5, 0.1, DEFAULT_FUSION) !== Math.min(0.5, 0.6 * 0.5 + 0.4 * 0.1)) throw new Error();
 * if (fuseDistances(0.5, 0.1, { ...DEFAULT_FUSION, beta: 0 }) !== 0.5) throw new Error();
 * ```
 */
export function fuseDistances(f: number, t: number, config: FusionConfig): number {
  const hasF = f === f, hasT = t === t && config.beta > 0;
  if (hasF) {
    if (!hasT) return f;
    const fused = config.alpha * f + config.beta * t;
    return fused < f ? fused : f;
  }
  if (hasT && config.bodyOnly) return t;
  return Infinity;
}

/**
 * Fused distance between observations `a` and `b` given their embedding rows (−1 = absent) and moments.
 *
 * @param face face matrix (rows × faceDim, unit rows)
 * @param faceDim face length
 * @param body body matrix or null
 * @param bodyDim body length
 * @param a `{faceRow, bodyRow, moment}` of the first observation
 * @param b the same for the second
 * @param config fusion parameters
 * @returns D per {@link FusionConfig}
 */
export function fusedDistance(
  face: Float32Array,
  faceDim: number,
  body: Float32Array | null,
  bodyDim: number,
  a: { faceRow: number; bodyRow: number; moment: number },
  b: { faceRow: number; bodyRow: number; moment: number },
  config: FusionConfig = DEFAULT_FUSION,
): number {
  let f = NaN, t = NaN;
  if (a.faceRow >= 0 && b.faceRow >= 0) f = unitDistance(face, a.faceRow * faceDim, face, b.faceRow * faceDim, faceDim);
  if (
    body !== null && a.bodyRow >= 0 && b.bodyRow >= 0 && (!config.gateByMoment || a.moment === b.moment)
  ) t = unitDistance(body, a.bodyRow * bodyDim, body, b.bodyRow * bodyDim, bodyDim);
  return fuseDistances(f, t, config);
}

function unitDistance(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[ao + k]! * b[bo + k]!;
  const d = 1 - s;
  return d < 0 ? 0 : d > 2 ? 2 : d;
}
