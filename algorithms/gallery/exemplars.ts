/**
 * Exemplar selection: each person is represented by up to c canonical vectors chosen inside its cluster,
 * and the gallery (dictionary) stacks them.
 *
 * Strategies (cosine geometry, unit rows):
 * - `kmedoids`: k-means++ seeding then Voronoi iteration (assign to the nearest medoid, move each medoid to
 *   the member with the largest summed similarity to its group — for unit vectors that is the member with
 *   the largest dot product with the group's sum, O(m·d)); exemplars are real faces.
 * - `kmeans`: spherical k-means (k-means++ seeding, Lloyd steps, normalised means); exemplars are means of
 *   sub-groups (smoother, not real faces).
 * - `farthest`: farthest-point traversal from the member nearest the centroid; covers the cluster's
 *   extent, including outliers; deterministic.
 *
 * @module
 */
import { Rng } from "../random/rng.ts";
import { type Gallery, galleryFromAtoms, writeNormalised } from "./gallery.ts";

/** Exemplar strategy ids. */
export const EXEMPLAR_STRATEGIES = ["kmedoids", "kmeans", "farthest"] as const;
/** An exemplar strategy id. */
export type ExemplarStrategy = typeof EXEMPLAR_STRATEGIES[number];

/** Options of {@link selectExemplars} and {@link buildGallery}. */
export interface ExemplarOptions {
  /** Exemplars per person c; 0 keeps every member [5]. */
  exemplars?: number;
  /** Strategy [`"kmedoids"`]. */
  strategy?: ExemplarStrategy;
  /** Seed for the k-means++ seeding [0]. */
  seed?: number;
  /** Lloyd / Voronoi iterations [20]. */
  maxIter?: number;
}

function dotRows(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) s += a[ao + t]! * b[bo + t]!;
  return s;
}

/** k-means++ seeding on cosine distance; returns c member positions (indices into `members`). */
function kmeansPlusPlus(x: Float32Array, dim: number, members: Int32Array, c: number, rng: Rng): Int32Array {
  const m = members.length;
  const chosen = new Int32Array(c);
  const best = new Float64Array(m).fill(Infinity);
  chosen[0] = rng.int(m);
  for (let k = 1; k < c; k++) {
    const last = members[chosen[k - 1]!]! * dim;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const d = Math.max(0, 1 - dotRows(x, members[i]! * dim, x, last, dim));
      if (d < best[i]!) best[i] = d;
      total += best[i]! * best[i]!;
    }
    let pick = -1;
    if (total > 0) {
      let r = rng.float() * total;
      for (let i = 0; i < m; i++) {
        r -= best[i]! * best[i]!;
        if (r < 0) {
          pick = i;
          break;
        }
      }
      if (pick < 0) { for (let i = m - 1; i >= 0; i--) if (best[i]! > 0) (pick = i, i = -1); }
    }
    // All remaining members coincide with chosen ones: take the first not yet chosen.
    if (pick < 0) pick = firstUnchosen(chosen, k, m);
    chosen[k] = pick;
  }
  return chosen;
}

function firstUnchosen(chosen: Int32Array, k: number, m: number): number {
  for (let i = 0; i < m; i++) {
    let used = false;
    for (let j = 0; j < k; j++) if (chosen[j] === i) used = true;
    if (!used) return i;
  }
  return 0;
}

/** Assigns each member to the most similar of c centres (ties → lower centre); returns the group per member. */
function assignToCentres(
  x: Float32Array,
  dim: number,
  members: Int32Array,
  centres: Float32Array,
  c: number,
  group: Int32Array,
): boolean {
  let changed = false;
  for (let i = 0; i < members.length; i++) {
    const o = members[i]! * dim;
    let bk = 0, bs = -Infinity;
    for (let k = 0; k < c; k++) {
      const s = dotRows(x, o, centres, k * dim, dim);
      if (s > bs) (bs = s, bk = k);
    }
    if (group[i] !== bk) (group[i] = bk, changed = true);
  }
  return changed;
}

/**
 * Chooses up to c exemplars among one person's members.
 *
 * @param embeddings all vectors, n × dim, unit rows.
 * @param dim dimension.
 * @param members row indices of this person's members.
 * @param options c, strategy, seed, iterations.
 * @returns the exemplars, min(c, |members|) × dim (all members, in order, when c = 0 or |members| ≤ c).
 * @throws {RangeError} when c is negative or members is empty.
 */
export function selectExemplars(
  embeddings: Float32Array,
  dim: number,
  members: Int32Array,
  options: ExemplarOptions = {},
): Float32Array {
  const c0 = options.exemplars ?? 5;
  if (!Number.isInteger(c0) || c0 < 0) throw new RangeError(`Exemplars per person must be an integer ≥ 0, got ${c0}`);
  const m = members.length;
  if (m === 0) throw new RangeError("Cannot choose exemplars for a person without members");
  const strategy = options.strategy ?? "kmedoids";
  if (!EXEMPLAR_STRATEGIES.includes(strategy)) {
    throw new RangeError(`Unknown exemplar strategy "${strategy}" (allowed: ${EXEMPLAR_STRATEGIES.join(", ")})`);
  }
  if (c0 === 0 || m <= c0) {
    const out = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) out.set(embeddings.subarray(members[i]! * dim, (members[i]! + 1) * dim), i * dim);
    return out;
  }
  const c = c0, maxIter = options.maxIter ?? 20;
  const rng = new Rng(options.seed ?? 0);
  const out = new Float32Array(c * dim);
  const acc = new Float64Array(dim);
  if (strategy === "farthest") {
    for (let i = 0; i < m; i++) for (let t = 0; t < dim; t++) acc[t]! += embeddings[members[i]! * dim + t]!;
    let first = 0, bs = -Infinity;
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += embeddings[members[i]! * dim + t]! * acc[t]!;
      if (s > bs) (bs = s, first = i);
    }
    const nearest = new Float64Array(m).fill(-Infinity);
    let pick = first;
    for (let k = 0; k < c; k++) {
      const po = members[pick]! * dim;
      out.set(embeddings.subarray(po, po + dim), k * dim);
      if (k === c - 1) break;
      let next = -1, worst = Infinity;
      for (let i = 0; i < m; i++) {
        const s = dotRows(embeddings, members[i]! * dim, embeddings, po, dim);
        if (s > nearest[i]!) nearest[i] = s;
        if (nearest[i]! < worst) (worst = nearest[i]!, next = i);
      }
      pick = next;
    }
    return out;
  }
  const seeds = kmeansPlusPlus(embeddings, dim, members, c, rng);
  for (let k = 0; k < c; k++) {
    const o = members[seeds[k]!]! * dim;
    out.set(embeddings.subarray(o, o + dim), k * dim);
  }
  const group = new Int32Array(m).fill(-1);
  for (let it = 0; it < maxIter; it++) {
    const changed = assignToCentres(embeddings, dim, members, out, c, group);
    if (!changed && it > 0) break;
    for (let k = 0; k < c; k++) {
      acc.fill(0);
      let size = 0;
      for (let i = 0; i < m; i++) {
        if (group[i] !== k) continue;
        size++;
        const o = members[i]! * dim;
        for (let t = 0; t < dim; t++) acc[t]! += embeddings[o + t]!;
      }
      if (size === 0) continue; // an empty group keeps its centre
      if (strategy === "kmeans") {
        writeNormalised(acc, out, k * dim);
      } else {
        let best = -1, bs = -Infinity;
        for (let i = 0; i < m; i++) {
          if (group[i] !== k) continue;
          let s = 0;
          const o = members[i]! * dim;
          for (let t = 0; t < dim; t++) s += embeddings[o + t]! * acc[t]!;
          if (s > bs) (bs = s, best = i);
        }
        const o = members[best]! * dim;
        out.set(embeddings.subarray(o, o + dim), k * dim);
      }
    }
  }
  return out;
}

/**
 * Builds a gallery from labelled embeddings: one person per selected label, centroid = normalised mean of
 * all its members, exemplars from {@link selectExemplars}.
 *
 * @param embeddings n × dim, unit rows.
 * @param dim dimension.
 * @param labels person/cluster label per row (−1: not in the gallery).
 * @param options exemplar options, plus `persons`: which label values to include, in gallery order
 *   [every label ≥ 0, ascending].
 * @returns the gallery; `personId` holds the label values.
 * @throws {TypeError} on inconsistent lengths.
 * @throws {RangeError} when a requested label has no members.
 * @example
 * ```ts
 * import { buildGallery } from "./exemplars.ts";
 * const x = new Float32Array([1, 0, 0.8, 0.6, 0, 1]);
 * const g = buildGallery(x, 2, new Int32Array([3, 3, 7]), { exemplars: 1 });
 * if (g.persons !== 2 || g.personId[1] !== 7) throw new Error("unexpected");
 * ```
 */
export function buildGallery(
  embeddings: Float32Array,
  dim: number,
  labels: Int32Array,
  options: ExemplarOptions & { persons?: Int32Array } = {},
): Gallery {
  const n = labels.length;
  if (embeddings.length !== n * dim) {
    throw new TypeError(`Embeddings have length ${embeddings.length}, expected ${n} labels × ${dim}`);
  }
  let ids = options.persons;
  if (ids === undefined) {
    const set = new Set<number>();
    for (let i = 0; i < n; i++) if (labels[i]! >= 0) set.add(labels[i]!);
    ids = Int32Array.from([...set].sort((a, b) => a - b));
  }
  const index = new Map<number, number>();
  ids.forEach((id, p) => index.set(id, p));
  const members: number[][] = Array.from({ length: ids.length }, () => []);
  for (let i = 0; i < n; i++) {
    const p = index.get(labels[i]!);
    if (p !== undefined) members[p]!.push(i);
  }
  const parts: Float32Array[] = [];
  const owner: number[] = [];
  const centroids = new Float32Array(ids.length * dim);
  const acc = new Float64Array(dim);
  for (let p = 0; p < ids.length; p++) {
    const mem = Int32Array.from(members[p]!);
    if (mem.length === 0) throw new RangeError(`Gallery person ${ids[p]} has no members`);
    const ex = selectExemplars(embeddings, dim, mem, { ...options, seed: (options.seed ?? 0) + p * 7919 });
    parts.push(ex);
    for (let r = 0; r < ex.length / dim; r++) owner.push(p);
    acc.fill(0);
    for (const i of mem) for (let t = 0; t < dim; t++) acc[t]! += embeddings[i * dim + t]!;
    writeNormalised(acc, centroids, p * dim);
  }
  const atoms = new Float32Array(owner.length * dim);
  let off = 0;
  for (const ex of parts) (atoms.set(ex, off), off += ex.length);
  return galleryFromAtoms(atoms, dim, Int32Array.from(owner), { personId: ids, centroids });
}
