/**
 * The per-merge bookkeeping every merge loop shares: SciPy-style raw rows, the seconds and pair distances
 * read since the previous merge, and the inversion count.
 * @module
 */

/** Raw output of a merge loop. */
export interface CoreResult {
  /** m × 4 rows `[slotA, slotB, height, 0]`; each slot index is a member point of its cluster. */
  raw: Float64Array;
  m: number;
  inversions: number;
  seconds: Float64Array;
  pairDistances: Float64Array;
  /**
   * The rows are not in merge order by height (reciprocal-nearest-neighbour loops): sort them stably by
   * height before numbering clusters. Absent: rows are in the greedy order.
   */
  unordered?: boolean;
}

/** Collects the merges of one run of n points (at most n − 1 of them). */
export class MergeRecorder {
  readonly raw: Float64Array;
  readonly seconds: Float64Array;
  readonly reads: Float64Array;
  /** Merges recorded so far. */
  m = 0;
  /** Merges lower than the merge recorded before them. */
  inversions = 0;
  readonly #clock: (() => number) | undefined;
  #last: number;
  #prevHeight = -Infinity;

  /**
   * @param n number of points
   * @param clock millisecond clock for the per-merge seconds (none: 0)
   */
  constructor(n: number, clock: (() => number) | undefined) {
    const rows = Math.max(0, n - 1);
    this.raw = new Float64Array(rows * 4);
    this.seconds = new Float64Array(rows);
    this.reads = new Float64Array(rows);
    this.#clock = clock;
    this.#last = clock ? clock() : 0;
  }

  /** Records the merge of slots a and b at height h, after `reads` pair distances since the previous one. */
  add(a: number, b: number, h: number, reads: number): void {
    const m = this.m;
    this.raw[m * 4] = a;
    this.raw[m * 4 + 1] = b;
    this.raw[m * 4 + 2] = h;
    this.reads[m] = reads;
    if (h < this.#prevHeight) this.inversions++;
    this.#prevHeight = h;
    if (this.#clock) {
      const now = this.#clock();
      this.seconds[m] = (now - this.#last) / 1000;
      this.#last = now;
    }
    this.m = m + 1;
  }

  /**
   * Records a batch of merges made together (a round of reciprocal pairs): each gets an equal share of the
   * batch's seconds and reads. `order` lists the batch positions in output order.
   */
  addBatch(a: Int32Array, b: Int32Array, h: Float64Array, order: ArrayLike<number>, reads: number): void {
    const batch = order.length;
    const now = this.#clock ? this.#clock() : 0;
    const perMerge = this.#clock ? (now - this.#last) / 1000 / batch : 0;
    this.#last = now;
    for (let q = 0; q < batch; q++) {
      const t = order[q]!, m = this.m++;
      this.raw[m * 4] = a[t]!;
      this.raw[m * 4 + 1] = b[t]!;
      this.raw[m * 4 + 2] = h[t]!;
      this.seconds[m] = perMerge;
      this.reads[m] = reads / batch;
    }
  }

  /**
   * The loop's result.
   * @param unordered rows are not in greedy order (reciprocal-pair loops: sorted by height later; such
   *   loops make no inversions)
   */
  result(unordered = false): CoreResult {
    const m = this.m;
    const out: CoreResult = {
      raw: this.raw,
      m,
      inversions: unordered ? 0 : this.inversions,
      seconds: this.seconds.subarray(0, m),
      pairDistances: this.reads.subarray(0, m),
    };
    if (unordered) out.unordered = true;
    return out;
  }
}
