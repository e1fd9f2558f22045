/**
 * Average-linkage HAC cut at a threshold, for unit rows under cosine distance, in memory and time linear in the
 * threshold graph instead of quadratic in its largest component.
 *
 * Two facts make it exact. (1) The average cosine distance between two groups of unit rows is
 * `1 − (ΣA · ΣB) / (|A| · |B|)`: one dot product of the groups' sums, not |A| · |B| pair distances. (2) Two groups
 * with no pair within the threshold have an average above it, so below the threshold only groups joined by an edge
 * of the threshold graph can ever merge, and a group's neighbours are the union of its parts' neighbours. Merging
 * the closest adjacent pair (a heap with lazy deletion) until none is within the threshold therefore gives the
 * same clusters as the dense average-linkage loop cut at that threshold (tested against `hac`).
 * @module
 */

/** Edges of a threshold graph: pairs (i, j) of row indices, each pair once (distances are recomputed). */
export interface GraphEdges {
  i: Int32Array;
  j: Int32Array;
}

/** A binary min-heap of (distance, a, b, version of a, version of b) on growable typed arrays. */
class PairHeap {
  key = new Float64Array(1024);
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  va = new Int32Array(1024);
  vb = new Int32Array(1024);
  size = 0;

  push(key: number, a: number, b: number, va: number, vb: number): void {
    if (this.size === this.key.length) this.#grow();
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#less(p, key, a, b)) break;
      this.#move(p, i);
      i = p;
    }
    this.key[i] = key;
    this.a[i] = a;
    this.b[i] = b;
    this.va[i] = va;
    this.vb[i] = vb;
  }

  /** Removes the top (the caller has read it at index 0). */
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    const key = this.key[last]!, a = this.a[last]!, b = this.b[last]!, va = this.va[last]!, vb = this.vb[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && this.#lessAt(c + 1, c)) c++;
      if (!this.#less(c, key, a, b)) break;
      this.#move(c, i);
      i = c;
    }
    this.key[i] = key;
    this.a[i] = a;
    this.b[i] = b;
    this.va[i] = va;
    this.vb[i] = vb;
  }

  /** Entry `p` orders before (key, a, b): smaller distance, ties by the smaller pair (deterministic). */
  #less(p: number, key: number, a: number, b: number): boolean {
    const k = this.key[p]!;
    return k < key || (k === key && (this.a[p]! < a || (this.a[p] === a && this.b[p]! < b)));
  }

  #lessAt(p: number, q: number): boolean {
    return this.#less(p, this.key[q]!, this.a[q]!, this.b[q]!);
  }

  #move(from: number, to: number): void {
    this.key[to] = this.key[from]!;
    this.a[to] = this.a[from]!;
    this.b[to] = this.b[from]!;
    this.va[to] = this.va[from]!;
    this.vb[to] = this.vb[from]!;
  }

  #grow(): void {
    const n = this.key.length * 2;
    const k = new Float64Array(n), a = new Int32Array(n), b = new Int32Array(n);
    const va = new Int32Array(n), vb = new Int32Array(n);
    k.set(this.key);
    a.set(this.a);
    b.set(this.b);
    va.set(this.va);
    vb.set(this.vb);
    [this.key, this.a, this.b, this.va, this.vb] = [k, a, b, va, vb];
  }
}

/**
 * Average-linkage clusters of unit rows at a cosine-distance threshold, merging only along the threshold graph.
 * @param vectors n × dim unit rows
 * @param dim row length
 * @param edges every pair within the threshold (more pairs are allowed: they only cost time)
 * @param threshold merge while the closest adjacent pair's average distance is ≤ this
 * @returns cluster of each row, 0.. in order of first appearance
 * @throws {RangeError} on an edge out of range or a negative threshold
 * @example
 * ```ts
 * import { graphAverageLinkage } from "./graph_average.ts";
 * const v = new Float32Array([1, 0, 0.99, 0.14107, 0, 1]);
 * const labels = graphAverageLinkage(v, 2, { i: Int32Array.of(0), j: Int32Array.of(1) }, 0.1);
 * if (labels.join() !== "0,0,1") throw new Error();
 * ```
 */
export function graphAverageLinkage(
  vectors: Float32Array,
  dim: number,
  edges: GraphEdges,
  threshold: number,
): Int32Array {
  if (!(threshold >= 0)) throw new RangeError(`threshold must be ≥ 0, got ${threshold}`);
  const n = Math.floor(vectors.length / dim);
  const m = edges.i.length;
  // CSR adjacency, both directions.
  const degree = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) {
    const i = edges.i[e]!, j = edges.j[e]!;
    if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new RangeError(`edge (${i}, ${j}) out of range 0..${n - 1}`);
    if (i === j) continue;
    degree[i + 1]!++;
    degree[j + 1]!++;
  }
  for (let v = 0; v < n; v++) degree[v + 1]! += degree[v]!;
  const flat = new Int32Array(degree[n]!), fill = degree.slice(0, n);
  for (let e = 0; e < m; e++) {
    const i = edges.i[e]!, j = edges.j[e]!;
    if (i === j) continue;
    flat[fill[i]!++] = j;
    flat[fill[j]!++] = i;
  }
  const adj: Int32Array[] = new Array(n);
  for (let v = 0; v < n; v++) adj[v] = flat.subarray(degree[v]!, degree[v + 1]!);

  const sums = new Float64Array(n * dim);
  for (let x = 0; x < n * dim; x++) sums[x] = vectors[x]!;
  const size = new Float64Array(n).fill(1);
  const parent = Int32Array.from({ length: n }, (_, v) => v);
  const version = new Int32Array(n);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const linkage = (a: number, b: number): number => {
    let s = 0;
    for (let k = 0, ao = a * dim, bo = b * dim; k < dim; k++) s += sums[ao + k]! * sums[bo + k]!;
    const d = 1 - s / (size[a]! * size[b]!);
    return d < 0 ? 0 : d;
  };

  const heap = new PairHeap();
  for (let a = 0; a < n; a++) {
    for (const b of adj[a]!) {
      if (b <= a) continue; // each pair once (duplicates in the input only repeat an entry)
      const d = linkage(a, b);
      if (d <= threshold) heap.push(d, a, b, 0, 0);
    }
  }
  const stamp = new Int32Array(n).fill(-1);
  while (heap.size > 0) {
    const a0 = heap.a[0]!, b0 = heap.b[0]!, va = heap.va[0]!, vb = heap.vb[0]!;
    heap.pop();
    if (parent[a0] !== a0 || parent[b0] !== b0 || version[a0] !== va || version[b0] !== vb) continue; // stale
    // Merge the smaller neighbourhood into the larger.
    const [keep, gone] = adj[a0]!.length >= adj[b0]!.length ? [a0, b0] : [b0, a0];
    parent[gone] = keep;
    size[keep]! += size[gone]!;
    for (let k = 0, ko = keep * dim, go = gone * dim; k < dim; k++) sums[ko + k]! += sums[go + k]!;
    version[keep]!++;
    version[gone]!++;
    // Neighbours of the union: current roots of both lists, once each, without the pair itself.
    const merged = new Int32Array(adj[keep]!.length + adj[gone]!.length);
    let count = 0;
    stamp[keep] = keep;
    for (const list of [adj[keep]!, adj[gone]!]) {
      for (const x of list) {
        const r = find(x);
        if (stamp[r] === keep) continue;
        stamp[r] = keep;
        merged[count++] = r;
      }
    }
    // Stamps are per-merge: reset so the next merge of `keep` starts clean.
    for (let t = 0; t < count; t++) stamp[merged[t]!] = -1;
    stamp[keep] = -1;
    adj[keep] = merged.subarray(0, count);
    adj[gone] = new Int32Array(0);
    for (let t = 0; t < count; t++) {
      const c = merged[t]!;
      const d = linkage(keep, c);
      if (d <= threshold) {
        heap.push(d, Math.min(keep, c), Math.max(keep, c), version[Math.min(keep, c)]!, version[Math.max(keep, c)]!);
      }
    }
  }
  const labels = new Int32Array(n), label = new Int32Array(n).fill(-1);
  let next = 0;
  for (let v = 0; v < n; v++) {
    const r = find(v);
    if (label[r] === -1) label[r] = next++;
    labels[v] = label[r]!;
  }
  return labels;
}
