/**
 * Disjoint sets (union–find) over the points 0..n−1: the one used to turn merges into labels, the threshold
 * graph into components and raw merges into SciPy's linkage rows.
 * @module
 */

/**
 * Union–find with path halving. A union hangs the larger root under the smaller, so which root represents a
 * set depends only on the sets, not on the order of the arguments.
 *
 * @example
 * ```ts
 * import { DisjointSets } from "./disjoint_sets.ts";
 * const sets = new DisjointSets(4);
 * sets.union(3, 1);
 * sets.union(1, 2);
 * if (sets.find(3) !== 1 || sets.find(0) !== 0) throw new Error("roots are the smallest linked roots");
 * ```
 */
export class DisjointSets {
  readonly #parent: Int32Array;

  /** @param n number of points, each its own set */
  constructor(n: number) {
    this.#parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#parent[i] = i;
  }

  /** The root of x's set (halving the path on the way). */
  find(x: number): number {
    const parent = this.#parent;
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  }

  /**
   * Joins the sets of a and b.
   * @returns the root of the joined set
   */
  union(a: number, b: number): number {
    const ra = this.find(a), rb = this.find(b);
    if (ra === rb) return ra;
    if (ra < rb) return this.#parent[rb] = ra;
    return this.#parent[ra] = rb;
  }
}
