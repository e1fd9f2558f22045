/**
 * The gallery: the known persons, each represented by a mean (centroid) and up to c exemplars. The
 * dictionary D of the sparse and collaborative methods stacks the exemplars of all persons, grouped by
 * person so that each person's atoms are one contiguous block.
 * @module
 */

/** Known persons and their exemplars. */
export interface Gallery {
  /** Embedding dimension. */
  readonly dim: number;
  /** Number of persons K. */
  readonly persons: number;
  /** Exemplars, atoms × dim, row-major, unit rows, grouped by person (person 0's block first). */
  readonly atoms: Float32Array;
  /** Person index (0..K−1) of each atom, non-decreasing. */
  readonly atomPerson: Int32Array;
  /** Block start of each person's atoms, length K + 1 (`personStart[K]` = number of atoms). */
  readonly personStart: Int32Array;
  /** Normalised mean of each person's members, K × dim. */
  readonly centroids: Float32Array;
  /** The caller's id for each person (cluster id or identity code), length K. */
  readonly personId: Int32Array;
}

/** Number of atoms (exemplars) in a gallery. */
export function galleryAtoms(g: Gallery): number {
  return g.atomPerson.length;
}

/**
 * Builds a gallery directly from exemplars (atoms) and their persons; centroids are the normalised means
 * of each person's atoms unless given.
 *
 * @param atoms n × dim row-major; rows are normalised to unit length.
 * @param dim dimension.
 * @param atomPerson person index 0..K−1 per atom; every person must have at least one atom.
 * @param options `personId` (default 0..K−1) and `centroids` (K × dim; default: mean of the atoms).
 * @returns the gallery, atoms regrouped by person (stable within a person).
 * @throws {TypeError} on inconsistent lengths.
 * @throws {RangeError} on a negative person, a person without atoms, a zero or non-finite row.
 */
export function galleryFromAtoms(
  atoms: Float32Array,
  dim: number,
  atomPerson: Int32Array,
  options: { personId?: Int32Array; centroids?: Float32Array } = {},
): Gallery {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new TypeError(`Gallery dimension must be a positive integer, got ${dim}`);
  }
  const n = atomPerson.length;
  if (atoms.length !== n * dim) {
    throw new TypeError(`Gallery atoms have length ${atoms.length}, expected ${n} × ${dim}`);
  }
  let persons = 0;
  for (let i = 0; i < n; i++) {
    const p = atomPerson[i]!;
    if (p < 0 || !Number.isInteger(p)) throw new RangeError(`Atom ${i} has person ${p}; persons are 0..K−1`);
    if (p + 1 > persons) persons = p + 1;
  }
  const counts = new Int32Array(persons + 1);
  for (let i = 0; i < n; i++) counts[atomPerson[i]! + 1]!++;
  for (let p = 0; p < persons; p++) {
    if (counts[p + 1] === 0) throw new RangeError(`Person ${p} has no exemplar`);
    counts[p + 1]! += counts[p]!;
  }
  const personStart = counts.slice();
  const fill = counts.slice(0, persons);
  const out = new Float32Array(n * dim), outPerson = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const p = atomPerson[i]!, r = fill[p]!++;
    outPerson[r] = p;
    let s = 0;
    for (let t = 0; t < dim; t++) {
      const v = atoms[i * dim + t]!;
      if (!Number.isFinite(v)) throw new RangeError(`Atom ${i} contains ${v}`);
      s += v * v;
    }
    if (s === 0) throw new RangeError(`Atom ${i} is the zero vector`);
    const inv = 1 / Math.sqrt(s);
    for (let t = 0; t < dim; t++) out[r * dim + t] = atoms[i * dim + t]! * inv;
  }
  let centroids = options.centroids;
  if (centroids === undefined) {
    centroids = new Float32Array(persons * dim);
    const acc = new Float64Array(dim);
    for (let p = 0; p < persons; p++) {
      acc.fill(0);
      for (let r = personStart[p]!; r < personStart[p + 1]!; r++) {
        for (let t = 0; t < dim; t++) acc[t]! += out[r * dim + t]!;
      }
      writeNormalised(acc, centroids, p * dim);
    }
  } else if (centroids.length !== persons * dim) {
    throw new TypeError(`Centroids have length ${centroids.length}, expected ${persons} × ${dim}`);
  }
  const personId = options.personId ?? Int32Array.from({ length: persons }, (_, p) => p);
  if (personId.length !== persons) throw new TypeError(`personId has length ${personId.length}, expected ${persons}`);
  return { dim, persons, atoms: out, atomPerson: outPerson, personStart, centroids, personId };
}

/** Writes v / ‖v‖ into out at offset (a zero vector stays zero). */
export function writeNormalised(v: Float64Array, out: Float32Array, offset: number): void {
  let s = 0;
  for (let t = 0; t < v.length; t++) s += v[t]! * v[t]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let t = 0; t < v.length; t++) out[offset + t] = v[t]! * inv;
}
