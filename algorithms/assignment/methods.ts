/**
 * Assignment methods: recognise each query as one of the gallery's persons, or as unknown.
 *
 * Every method implements {@link AssignmentMethod} (prepare once per gallery, then assign batches) and is
 * listed in {@link ASSIGNMENT_METHODS}. Each returns, per query, the best person and a score where higher
 * means "more surely that person"; {@link assign} turns scores below `unknownThreshold` into −1 (open set).
 *
 * - `centroid`: the most similar normalised person mean; score: its cosine similarity.
 * - `exemplar`: the most similar exemplar; score: its cosine similarity.
 * - `knn`: distance-weighted vote of the k most similar exemplars (weight 1/(1 − cos); exact matches alone vote, as
 *   in scikit-learn's `weights="distance"`); score: Σ cos of the winner's voters / k.
 * - `sparse`: lasso code x of y over all exemplars; argmax of the per-person energy Σ|x| (`energy: "l2"`: Σx²);
 *   score: `explained` (default) 1 − ‖y − D_pᵀx_p‖²/‖y‖², or `share`: winner energy / total energy.
 * - `crc`: ridge code x = (DDᵀ + λI)⁻¹D·y (Zhang et al., 2011, CRC-RLS); argmin of ‖y − D_pᵀx_p‖ / ‖x_p‖; score:
 *   1 − ‖y − D_pᵀx_p‖²/‖y‖² of the winner.
 *
 * Sparse: x = 0 (λ ≥ max |D·y|) gives no energy and therefore unknown (person −1, score 0).
 *
 * @module
 */
import { type Gallery, galleryAtoms } from "../gallery/gallery.ts";
import { cholesky, choleskySolve } from "./cholesky.ts";
import {
  LASSO_SOLVERS,
  type LassoDictionary,
  type LassoSolver,
  LassoWorkspace,
  prepareLasso,
  solveLassoInto,
} from "./lasso/mod.ts";

/** Parameters of the assignment methods; each field is read only by the methods that use it. */
export interface AssignParams {
  /** λ: sparse ℓ1 weight [0.1], crc ridge weight [1] (see docs/assignment.md for how they were chosen). */
  lambda?: number;
  /** knn: neighbours [5]. */
  k?: number;
  /** Scores below this become unknown (−1) [−∞: closed set]. */
  unknownThreshold?: number;
  /** sparse: per-person energy, Σ|x| (`l1`) or Σx² (`l2`) [`"l1"`]. */
  energy?: "l1" | "l2";
  /** sparse: score of the winner [`"explained"`]. */
  score?: "share" | "explained";
  /** sparse: lasso solver [`"cd"`]. */
  solver?: LassoSolver;
  /** sparse: duality-gap tolerance relative to ½‖y‖² [1e-6]. */
  tol?: number;
}

/** Output of a prepared method for a batch: gallery person index per query (−1: none) and score. */
export interface RawAssignment {
  /** Index into the gallery's persons (0..K−1), or −1 when the method abstains (e.g. x = 0). */
  best: Int32Array;
  /** Higher = more confident. */
  score: Float64Array;
}

/** A method bound to one gallery. */
export interface PreparedMethod {
  /**
   * Assigns n queries (n × dim row-major).
   * @param queries the queries.
   * @returns best person index and score per query.
   */
  assign(queries: Float32Array): RawAssignment;
}

/** One pluggable assignment method. */
export interface AssignmentMethod {
  /** Registry id (kebab-case). */
  readonly id: string;
  /** One line for help texts. */
  readonly summary: string;
  /** Names of the {@link AssignParams} fields it reads. */
  readonly params: readonly (keyof AssignParams)[];
  /**
   * Precomputes what the method needs for a gallery (Gram matrix, projection...).
   * @param gallery the gallery.
   * @param params method parameters (already validated by {@link prepareMethod}).
   * @returns the method bound to the gallery.
   */
  prepare(gallery: Gallery, params: AssignParams): PreparedMethod;
}

/** Final assignment: the person id (gallery `personId`, −1 = unknown) and score per query. */
export interface Assignment {
  /** Person id per query; −1 = unknown. */
  person: Int32Array;
  /** Score per query (higher = more confident). */
  score: Float64Array;
  /** Best person id before the unknown threshold (−1 only when the method abstained). */
  best: Int32Array;
}

function dot(
  a: Float32Array | Float64Array,
  ao: number,
  b: Float32Array | Float64Array,
  bo: number,
  n: number,
): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
  for (; t + 3 < n; t += 4) {
    s0 += a[ao + t]! * b[bo + t]!;
    s1 += a[ao + t + 1]! * b[bo + t + 1]!;
    s2 += a[ao + t + 2]! * b[bo + t + 2]!;
    s3 += a[ao + t + 3]! * b[bo + t + 3]!;
  }
  for (; t < n; t++) s0 += a[ao + t]! * b[bo + t]!;
  return (s0 + s1) + (s2 + s3);
}

function queryNorm(q: Float32Array, o: number, dim: number): number {
  const s = dot(q, o, q, o, dim);
  return s > 0 ? Math.sqrt(s) : 1;
}

/** Nearest row of `rows` by cosine; rows are unit vectors. */
function nearestRowMethod(rowsOf: (g: Gallery) => Float32Array, personOf: (g: Gallery, r: number) => number) {
  return (gallery: Gallery): PreparedMethod => {
    const rows = rowsOf(gallery), dim = gallery.dim, m = rows.length / dim;
    return {
      assign(queries) {
        const n = queries.length / dim, best = new Int32Array(n).fill(-1), score = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const o = i * dim, inv = 1 / queryNorm(queries, o, dim);
          let br = -1, bs = -Infinity;
          for (let r = 0; r < m; r++) {
            const s = dot(queries, o, rows, r * dim, dim);
            if (s > bs) (bs = s, br = r);
          }
          if (br >= 0) (best[i] = personOf(gallery, br), score[i] = bs * inv);
        }
        return { best, score };
      },
    };
  };
}

const centroid: AssignmentMethod = {
  id: "centroid",
  summary: "nearest person mean (cosine)",
  params: ["unknownThreshold"],
  prepare: nearestRowMethod((g) => g.centroids, (_g, r) => r),
};

const exemplar: AssignmentMethod = {
  id: "exemplar",
  summary: "nearest exemplar (cosine)",
  params: ["unknownThreshold"],
  prepare: nearestRowMethod((g) => g.atoms, (g, r) => g.atomPerson[r]!),
};

const knn: AssignmentMethod = {
  id: "knn",
  summary: "distance-weighted vote of the k nearest exemplars",
  params: ["k", "unknownThreshold"],
  prepare(gallery, params) {
    const { dim, atoms, atomPerson, persons } = gallery;
    const m = galleryAtoms(gallery), k = Math.min(params.k ?? 5, m);
    const topSim = new Float64Array(k), topIdx = new Int32Array(k);
    const votes = new Float64Array(persons), simSum = new Float64Array(persons);
    return {
      assign(queries) {
        const n = queries.length / dim, best = new Int32Array(n).fill(-1), score = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const o = i * dim, inv = 1 / queryNorm(queries, o, dim);
          let filled = 0;
          // Insertion into a small sorted list (descending similarity; ties keep the lower index first).
          for (let r = 0; r < m; r++) {
            const s = dot(queries, o, atoms, r * dim, dim) * inv;
            if (filled === k && s <= topSim[k - 1]!) continue;
            let p = filled < k ? filled++ : k - 1;
            while (p > 0 && topSim[p - 1]! < s) (topSim[p] = topSim[p - 1]!, topIdx[p] = topIdx[p - 1]!, p--);
            topSim[p] = s;
            topIdx[p] = r;
          }
          votes.fill(0);
          simSum.fill(0);
          const exact = filled > 0 && topSim[0]! >= 1 - 1e-9;
          for (let a = 0; a < filled; a++) {
            const s = topSim[a]!, person = atomPerson[topIdx[a]!]!;
            if (exact && s < 1 - 1e-9) break;
            votes[person]! += exact ? 1 : 1 / Math.max(1e-12, 1 - s);
            simSum[person]! += s;
          }
          let bp = -1, bv = -Infinity;
          for (let p = 0; p < persons; p++) if (votes[p]! > bv) (bv = votes[p]!, bp = p);
          if (filled > 0) (best[i] = bp, score[i] = simSum[bp]! / k);
        }
        return { best, score };
      },
    };
  },
};

/**
 * Per-person residual ‖y − D_pᵀx_p‖² = ‖y‖² − 2x_p·c_p + x_pᵀG_pp x_p over contiguous person blocks.
 */
function personResidual(
  x: Float64Array,
  xo: number,
  c: Float64Array,
  gram: Float64Array,
  m: number,
  start: number,
  end: number,
  yy: number,
): number {
  let r = yy;
  for (let a = start; a < end; a++) {
    const xa = x[xo + a]!;
    if (xa === 0) continue;
    r -= 2 * xa * c[a]!;
    const go = a * m;
    let s = 0;
    for (let b = start; b < end; b++) s += gram[go + b]! * x[xo + b]!;
    r += xa * s;
  }
  return Math.max(0, r);
}

/**
 * Per-dictionary precomputations, keyed by the gallery's atoms array: galleries that share one atoms array
 * (e.g. the same exemplars relabelled, as when one person is split in two) reuse the Gram matrix and the
 * CRC projection. Gallery atoms are read-only once built, which is what makes this safe.
 */
const LASSO_CACHE = new WeakMap<Float32Array, LassoDictionary>();
const CRC_CACHE = new WeakMap<Float32Array, Map<number, CrcProjection>>();

function cachedLasso(gallery: Gallery): LassoDictionary {
  let dict = LASSO_CACHE.get(gallery.atoms);
  if (!dict) LASSO_CACHE.set(gallery.atoms, dict = prepareLasso(gallery.atoms, gallery.dim));
  return dict;
}

function cachedCrc(gallery: Gallery, lambda: number): CrcProjection {
  let byLambda = CRC_CACHE.get(gallery.atoms);
  if (!byLambda) CRC_CACHE.set(gallery.atoms, byLambda = new Map());
  let p = byLambda.get(lambda);
  if (!p) byLambda.set(lambda, p = crcProjection(gallery.atoms, gallery.dim, lambda));
  return p;
}

const sparse: AssignmentMethod = {
  id: "sparse",
  summary: "lasso code over all exemplars, person of largest energy",
  params: ["lambda", "energy", "score", "solver", "tol", "unknownThreshold"],
  prepare(gallery, params) {
    const dict = cachedLasso(gallery);
    const lambda = params.lambda ?? 0.1, l2 = params.energy === "l2", share = params.score === "share";
    const opts = { solver: params.solver ?? "cd", tol: params.tol ?? 1e-6 } as const;
    const { persons, personStart, dim } = gallery, m = dict.atoms;
    const ws = new LassoWorkspace(m), x = new Float64Array(m), energy = new Float64Array(persons);
    return {
      assign(queries) {
        const n = queries.length / dim, best = new Int32Array(n).fill(-1), score = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          solveLassoInto(dict, ws, queries, i * dim, lambda, x, opts);
          let total = 0, bp = -1, be = 0;
          for (let p = 0; p < persons; p++) {
            let e = 0;
            for (let a = personStart[p]!; a < personStart[p + 1]!; a++) e += l2 ? x[a]! * x[a]! : Math.abs(x[a]!);
            energy[p] = e;
            total += e;
            if (e > be) (be = e, bp = p);
          }
          if (bp < 0) continue; // x = 0: no evidence for anyone → unknown with score 0
          best[i] = bp;
          score[i] = share
            ? be / total
            : ws.yy > 0
            ? 1 - personResidual(x, 0, ws.c, dict.gram, m, personStart[bp]!, personStart[bp + 1]!, ws.yy) / ws.yy
            : 0;
        }
        return { best, score };
      },
    };
  },
};

/** Prepared collaborative-representation state: P = (DDᵀ + λI)⁻¹D (atoms × d) and the Gram matrix. */
export interface CrcProjection {
  /** P, atoms × d. */
  projection: Float64Array;
  /** D·Dᵀ, atoms × atoms. */
  gram: Float64Array;
  /** D in float64. */
  d: Float64Array;
}

/**
 * Precomputes the CRC projection P = (D·Dᵀ + λI)⁻¹·D with a float64 Cholesky factorisation, so that the
 * code of a query is x = P·y (one atoms × d product). O(atoms²·d + atoms³/3).
 *
 * @param atoms D, atoms × dim.
 * @param dim dimension.
 * @param lambda ridge weight > 0 (0 is allowed when D·Dᵀ is non-singular).
 * @returns the projection, the Gram matrix and D in float64.
 * @throws {RangeError} when D·Dᵀ + λI is not positive definite.
 */
export function crcProjection(atoms: Float32Array | Float64Array, dim: number, lambda: number): CrcProjection {
  const { d, gram, atoms: m } = prepareLasso(atoms, dim);
  const a = gram.slice();
  for (let i = 0; i < m; i++) a[i * m + i]! += lambda;
  const l = cholesky(a, m);
  const projection = new Float64Array(m * dim);
  const col = new Float64Array(m), sol = new Float64Array(m);
  for (let t = 0; t < dim; t++) {
    for (let i = 0; i < m; i++) col[i] = d[i * dim + t]!;
    choleskySolve(l, m, col, sol);
    for (let i = 0; i < m; i++) projection[i * dim + t] = sol[i]!;
  }
  return { projection, gram, d };
}

const crc: AssignmentMethod = {
  id: "crc",
  summary: "collaborative representation (ridge, closed form), smallest regularised class residual",
  params: ["lambda", "unknownThreshold"],
  prepare(gallery, params) {
    const { dim, persons, personStart } = gallery, m = galleryAtoms(gallery);
    const { projection, gram, d } = cachedCrc(gallery, params.lambda ?? 1);
    const x = new Float64Array(m), c = new Float64Array(m);
    return {
      assign(queries) {
        const n = queries.length / dim, best = new Int32Array(n).fill(-1), score = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const o = i * dim;
          const yy = dot(queries, o, queries, o, dim);
          for (let a = 0; a < m; a++) {
            x[a] = dot(projection, a * dim, queries, o, dim);
            c[a] = dot(d, a * dim, queries, o, dim);
          }
          let bp = -1, br = Infinity, bres = 0;
          for (let p = 0; p < persons; p++) {
            const s = personStart[p]!, e = personStart[p + 1]!;
            const res = personResidual(x, 0, c, gram, m, s, e, yy);
            let xn = 0;
            for (let a = s; a < e; a++) xn += x[a]! * x[a]!;
            const ratio = xn > 0 ? Math.sqrt(res / xn) : Infinity;
            if (ratio < br) (br = ratio, bp = p, bres = res);
          }
          if (bp >= 0) (best[i] = bp, score[i] = yy > 0 ? 1 - bres / yy : 0);
        }
        return { best, score };
      },
    };
  },
};

/** The registry of assignment methods, by id. */
export const ASSIGNMENT_METHODS: Map<string, AssignmentMethod> = new Map();

/**
 * Adds a method to {@link ASSIGNMENT_METHODS}.
 * @param method the method.
 * @throws {Error} when the id is already registered.
 */
export function registerAssignmentMethod(method: AssignmentMethod): void {
  if (ASSIGNMENT_METHODS.has(method.id)) throw new Error(`Assignment method "${method.id}" is already registered`);
  ASSIGNMENT_METHODS.set(method.id, method);
}

for (const m of [centroid, exemplar, knn, sparse, crc]) registerAssignmentMethod(m);

/** Ids of the registered methods, in registration order. */
export function assignmentMethodIds(): string[] {
  return [...ASSIGNMENT_METHODS.keys()];
}

function validateParams(params: AssignParams): void {
  const { lambda, k, unknownThreshold, energy, score, solver, tol } = params;
  if (lambda !== undefined && !(lambda >= 0 && Number.isFinite(lambda))) {
    throw new RangeError(`lambda must be finite and ≥ 0, got ${lambda}`);
  }
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be an integer ≥ 1, got ${k}`);
  if (unknownThreshold !== undefined && Number.isNaN(unknownThreshold)) {
    throw new RangeError("unknownThreshold must be a number, got NaN");
  }
  if (energy !== undefined && energy !== "l1" && energy !== "l2") {
    throw new RangeError(`energy must be "l1" or "l2", got "${energy}"`);
  }
  if (score !== undefined && score !== "share" && score !== "explained") {
    throw new RangeError(`score must be "share" or "explained", got "${score}"`);
  }
  if (solver !== undefined && !LASSO_SOLVERS.includes(solver)) {
    throw new RangeError(`solver must be one of ${LASSO_SOLVERS.join(", ")}, got "${solver}"`);
  }
  if (tol !== undefined && !(tol > 0)) throw new RangeError(`tol must be > 0, got ${tol}`);
}

/**
 * Looks up a method, validates parameters and prepares it for a gallery.
 *
 * @param method a registered id.
 * @param gallery the gallery (at least one person).
 * @param params parameters.
 * @returns the prepared method.
 * @throws {RangeError} for an unknown method id, an empty gallery, or a bad parameter.
 */
export function prepareMethod(method: string, gallery: Gallery, params: AssignParams = {}): PreparedMethod {
  const m = ASSIGNMENT_METHODS.get(method);
  if (!m) throw new RangeError(`Unknown assignment method "${method}" (allowed: ${assignmentMethodIds().join(", ")})`);
  if (gallery.persons === 0) throw new RangeError("The gallery has no persons");
  validateParams(params);
  return m.prepare(gallery, params);
}

/**
 * Applies the unknown threshold and maps gallery indices to person ids.
 *
 * @param gallery the gallery.
 * @param raw output of a prepared method.
 * @param unknownThreshold scores below it become −1 [−∞].
 * @returns the assignment.
 */
export function finishAssignment(gallery: Gallery, raw: RawAssignment, unknownThreshold = -Infinity): Assignment {
  const n = raw.best.length, person = new Int32Array(n), best = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = raw.best[i]!;
    best[i] = b < 0 ? -1 : gallery.personId[b]!;
    person[i] = b < 0 || raw.score[i]! < unknownThreshold ? -1 : best[i]!;
  }
  return { person, score: raw.score, best };
}

/**
 * Recognises queries against a gallery with one method.
 *
 * @param method a registered id: `centroid`, `exemplar`, `knn`, `sparse`, `crc`.
 * @param gallery the gallery.
 * @param queries n × gallery.dim row-major (unit rows expected).
 * @param params method parameters and the unknown threshold.
 * @returns person id (−1 unknown), score and pre-threshold best person per query.
 * @throws {TypeError} when the queries' length is not a multiple of the dimension.
 * @throws {RangeError} for an unknown method, a bad parameter or a non-finite query.
 * @example
 * ```ts
 * import { assign } from "./methods.ts";
 * import { galleryFromAtoms } from "../gallery/gallery.ts";
 * const g = galleryFromAtoms(new Float32Array([1, 0, 0, 1]), 2, new Int32Array([0, 1]));
 * const r = assign("sparse", g, new Float32Array([0.1, 0.99]), { lambda: 0.05 });
 * if (r.person[0] !== 1) throw new Error("expected person 1");
 * ```
 */
export function assign(method: string, gallery: Gallery, queries: Float32Array, params: AssignParams = {}): Assignment {
  if (queries.length % gallery.dim !== 0) {
    throw new TypeError(`Queries have length ${queries.length}, not a multiple of d = ${gallery.dim}`);
  }
  for (let t = 0; t < queries.length; t++) {
    if (!Number.isFinite(queries[t]!)) {
      throw new RangeError(`Query ${Math.floor(t / gallery.dim)} contains ${queries[t]}`);
    }
  }
  const prepared = prepareMethod(method, gallery, params);
  return finishAssignment(gallery, prepared.assign(queries), params.unknownThreshold);
}
