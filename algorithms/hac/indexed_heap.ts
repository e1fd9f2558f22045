/** A binary min-heap over slot indices with keyed updates, for the HAC merge loops. @module */

/** A binary min-heap over slot indices 0..n−1 keyed by (key, index), with set (insert/decrease/increase) and remove. */
export class IndexedHeap {
  /** Key of each slot (valid while the slot is in the heap). */
  readonly key: Float64Array;
  /** Heap order: slot at each heap position. */
  readonly heap: Int32Array;
  /** Heap position of each slot, −1 when absent. */
  readonly pos: Int32Array;
  /** Slots in the heap. */
  size = 0;
  /** @param n number of slots */
  constructor(n: number) {
    this.key = new Float64Array(n);
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n).fill(-1);
  }
  #less(a: number, b: number): boolean {
    const ka = this.key[a]!, kb = this.key[b]!;
    return ka < kb || (ka === kb && a < b);
  }
  #swap(p: number, q: number): void {
    const a = this.heap[p]!, b = this.heap[q]!;
    this.heap[p] = b;
    this.heap[q] = a;
    this.pos[b] = p;
    this.pos[a] = q;
  }
  #up(p: number): void {
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (!this.#less(this.heap[p]!, this.heap[q]!)) break;
      this.#swap(p, q);
      p = q;
    }
  }
  #down(p: number): void {
    for (;;) {
      const l = 2 * p + 1, r = l + 1;
      let s = p;
      if (l < this.size && this.#less(this.heap[l]!, this.heap[s]!)) s = l;
      if (r < this.size && this.#less(this.heap[r]!, this.heap[s]!)) s = r;
      if (s === p) return;
      this.#swap(p, s);
      p = s;
    }
  }
  /** Inserts slot i with key k, or moves it to key k. */
  set(i: number, k: number): void {
    const p = this.pos[i]!;
    if (p < 0) {
      this.key[i] = k;
      this.heap[this.size] = i;
      this.pos[i] = this.size;
      this.#up(this.size++);
      return;
    }
    const old = this.key[i]!;
    this.key[i] = k;
    if (k < old) this.#up(p);
    else this.#down(p);
  }
  /** Removes slot i (no-op when absent). */
  remove(i: number): void {
    const p = this.pos[i]!;
    if (p < 0) return;
    const lastIdx = --this.size;
    if (p !== lastIdx) {
      this.#swap(p, lastIdx);
      this.pos[i] = -1;
      this.#up(p);
      this.#down(p);
    } else this.pos[i] = -1;
  }
  /** The slot with the smallest (key, index), −1 when empty. */
  top(): number {
    return this.size > 0 ? this.heap[0]! : -1;
  }
}
