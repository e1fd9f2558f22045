/**
 * An inverted-file (IVF) candidate search for cosine distances on unit rows: a spherical k-means coarse quantizer
 * splits the space into `nlist` cells, each item is filed under its nearest cell, and a query looks only at the items
 * of its `nprobe` nearest cells. The first pass uses it to find the few clusters worth an exact distance among
 * hundreds of thousands; the caller always takes the exact distance for the decision, so the index only costs recall.
 * @module
 */
import { type AsyncGemmProvider, defaultGemm, type GemmProvider } from "../distance/cosine.ts";
import { Rng } from "../random/rng.ts";

/** A trained coarse quantizer: `nlist` unit centroids. */
export interface CoarseQuantizer {
  nlist: number;
  dim: number;
  /** nlist × dim, unit rows. */
  centroids: Float32Array;
}

/** Options of {@link trainCoarseQuantizer}. */
export interface TrainOptions {
  /** Number of cells. */
  nlist: number;
  /** Seed of the sample and of the initial centroids. */
  seed: number;
  /** Lloyd iterations [6]. */
  iterations?: number;
  /** Training sample size [min(rows, 16 · nlist, 65,536)]. */
  sampleSize?: number;
  /** Matrix product [the WebAssembly SIMD kernel where available]. */
  gemm?: GemmProvider;
}

/** The cell count that balances the centroid scan against the list scan for `items` items probed `nprobe` at a time. */
export function defaultNlist(items: number, nprobe: number): number {
  return Math.max(1, Math.min(8192, Math.round(Math.sqrt(Math.max(1, items) * nprobe))));
}

function normaliseRows(m: Float32Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += m[r * dim + k]! * m[r * dim + k]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) m[r * dim + k]! *= inv;
  }
}

/**
 * Spherical k-means on a seeded sample of the rows: centroids start by k-means++ (small problems) or at distinct
 * sample rows, each iteration files
 * every sample row under its most similar centroid and replaces each centroid by its members' normalised sum (an
 * empty cell restarts at a random sample row).
 * @param vectors rows × dim unit rows
 * @param dim row length
 * @param options cells, seed, iterations
 * @returns the quantizer (fewer cells than asked when there are fewer rows)
 */
export function trainCoarseQuantizer(vectors: Float32Array, dim: number, options: TrainOptions): CoarseQuantizer {
  const t = startTraining(vectors, dim, options);
  const gemm = options.gemm ?? defaultGemm();
  for (let it = 0; it < (options.iterations ?? 6); it++) {
    nearestCells(t.quantizer, t.sample, t.sampleSize, 1, t.assign, gemm);
    lloydUpdate(t);
  }
  return t.quantizer;
}

/** {@link trainCoarseQuantizer} with an asynchronous matrix product (the same result up to float rounding). */
export async function trainCoarseQuantizerAsync(
  vectors: Float32Array,
  dim: number,
  options: Omit<TrainOptions, "gemm"> & { gemm: AsyncGemmProvider },
): Promise<CoarseQuantizer> {
  const t = startTraining(vectors, dim, { ...options, gemm: undefined });
  for (let it = 0; it < (options.iterations ?? 6); it++) {
    await nearestCellsAsync(t.quantizer, t.sample, t.sampleSize, 1, t.assign, options.gemm);
    lloydUpdate(t);
  }
  return t.quantizer;
}

interface Training {
  quantizer: CoarseQuantizer;
  sample: Float32Array;
  sampleSize: number;
  assign: Int32Array;
  rng: Rng;
}

/** The seeded sample and the initial centroids. */
function startTraining(vectors: Float32Array, dim: number, options: TrainOptions): Training {
  const rows = Math.floor(vectors.length / dim);
  if (rows === 0) throw new RangeError("cannot train a coarse quantizer on no rows");
  const nlist = Math.max(1, Math.min(options.nlist, rows));
  const rng = new Rng(options.seed);
  const sampleSize = Math.min(rows, options.sampleSize ?? Math.min(16 * nlist, 65_536));
  // Partial Fisher–Yates over row ids: a seeded sample without repeats.
  const ids = Int32Array.from({ length: rows }, (_, i) => i);
  for (let i = 0; i < sampleSize; i++) {
    const j = i + rng.int(rows - i);
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
  const sample = new Float32Array(sampleSize * dim);
  for (let i = 0; i < sampleSize; i++) sample.set(vectors.subarray(ids[i]! * dim, ids[i]! * dim + dim), i * dim);
  // k-means++ seeds from the first rows of the (random-order) sample, as many as its budget allows.
  const seedRows = Math.min(sampleSize, Math.max(nlist, Math.floor(KMEANS_PP_LIMIT / nlist)));
  const centroids = seedRows > nlist ? kmeansPlusPlus(sample, seedRows, dim, nlist, rng) : sample.slice(0, nlist * dim);
  return { quantizer: { nlist, dim, centroids }, sample, sampleSize, assign: new Int32Array(sampleSize), rng };
}

/** One Lloyd update: each centroid becomes its members' normalised sum (an empty cell restarts at a sample row). */
function lloydUpdate(t: Training): void {
  const { quantizer: { nlist, dim, centroids }, sample, sampleSize, assign, rng } = t;
  const sums = new Float64Array(nlist * dim);
  const counts = new Int32Array(nlist);
  for (let i = 0; i < sampleSize; i++) {
    const c = assign[i]!;
    counts[c]!++;
    for (let k = 0; k < dim; k++) sums[c * dim + k]! += sample[i * dim + k]!;
  }
  for (let c = 0; c < nlist; c++) {
    if (counts[c] === 0) {
      const r = rng.int(sampleSize);
      centroids.set(sample.subarray(r * dim, r * dim + dim), c * dim);
    } else {
      for (let k = 0; k < dim; k++) centroids[c * dim + k] = sums[c * dim + k]!;
    }
  }
  normaliseRows(centroids, nlist, dim);
}

/** k-means++ seeding looks at (cells × rows) ≤ this many pairs; beyond it the seeds are random sample rows. */
const KMEANS_PP_LIMIT = 1_000_000;

/** k-means++ seeding in cosine distance: each next centroid drawn with probability ∝ the squared distance
 * to the nearest one chosen so far. */
function kmeansPlusPlus(sample: Float32Array, rows: number, dim: number, k: number, rng: Rng): Float32Array {
  const centroids = new Float32Array(k * dim);
  const nearest = new Float64Array(rows).fill(Infinity);
  let pick = rng.int(rows);
  for (let c = 0; c < k; c++) {
    centroids.set(sample.subarray(pick * dim, pick * dim + dim), c * dim);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += sample[r * dim + j]! * centroids[c * dim + j]!;
      const d = Math.max(0, 1 - s);
      if (d < nearest[r]!) nearest[r] = d;
      total += nearest[r]! * nearest[r]!;
    }
    if (total <= 0) {
      pick = rng.int(rows);
      continue;
    }
    let u = rng.float() * total;
    pick = rows - 1;
    for (let r = 0; r < rows; r++) {
      u -= nearest[r]! * nearest[r]!;
      if (u < 0) {
        pick = r;
        break;
      }
    }
  }
  return centroids;
}

/**
 * The `nprobe` most similar cells of each row, most similar first (blocked matrix products against the centroids).
 * @param q the quantizer
 * @param vectors rows × dim
 * @param rows number of rows
 * @param nprobe cells per row (≤ nlist)
 * @param out rows × nprobe cell ids
 * @param gemm matrix product [the default kernel]
 */
export function nearestCells(
  q: CoarseQuantizer,
  vectors: Float32Array,
  rows: number,
  nprobe: number,
  out: Int32Array,
  gemm: GemmProvider = defaultGemm(),
): void {
  const { nlist, dim, centroids } = q;
  const block = cellBlockRows(rows, nlist);
  const sims = new Float32Array(block * nlist);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const br = Math.min(block, rows - r0);
    gemm.abt(vectors.subarray(r0 * dim, (r0 + br) * dim), br, centroids, nlist, dim, sims);
    bestCells(sims, br, nlist, nprobe, out, r0);
  }
}

/**
 * {@link nearestCells} with an asynchronous matrix product (onnxruntime: several times the WebAssembly kernel's
 * speed on this machine, which matters when a million faces each look at thousands of cells).
 */
export async function nearestCellsAsync(
  q: CoarseQuantizer,
  vectors: Float32Array,
  rows: number,
  nprobe: number,
  out: Int32Array,
  gemm: AsyncGemmProvider,
): Promise<void> {
  const { nlist, dim, centroids } = q;
  const block = cellBlockRows(rows, nlist);
  const sims = new Float32Array(block * nlist);
  for (let r0 = 0; r0 < rows; r0 += block) {
    const br = Math.min(block, rows - r0);
    await gemm.abt(vectors.subarray(r0 * dim, (r0 + br) * dim), br, centroids, nlist, dim, sims);
    bestCells(sims, br, nlist, nprobe, out, r0);
  }
}

/** Rows per block: about 4M similarities. */
function cellBlockRows(rows: number, nlist: number): number {
  return Math.max(1, Math.min(rows, Math.floor((1 << 22) / nlist)));
}

/** The `nprobe` best cells of each of the `br` rows of a similarity block, written from row `r0` of `out`. */
function bestCells(sims: Float32Array, br: number, nlist: number, nprobe: number, out: Int32Array, r0: number): void {
  const p = Math.min(nprobe, nlist);
  const bestSim = new Float64Array(p);
  for (let i = 0; i < br; i++) {
    const o = (r0 + i) * nprobe, s0 = i * nlist;
    bestSim.fill(-Infinity);
    // Insertion into a short sorted list: nprobe is small (≤ 64).
    for (let c = 0; c < nlist; c++) {
      const s = sims[s0 + c]!;
      if (s <= bestSim[p - 1]!) continue;
      let j = p - 1;
      while (j > 0 && bestSim[j - 1]! < s) {
        bestSim[j] = bestSim[j - 1]!;
        out[o + j] = out[o + j - 1]!;
        j--;
      }
      bestSim[j] = s;
      out[o + j] = c;
    }
    for (let j = p; j < nprobe; j++) out[o + j] = -1;
  }
}

/** Growable item lists, one per cell; an item is in at most one cell and can move. */
export class InvertedLists {
  #items: Int32Array[];
  #sizes: Int32Array;
  #cellOf: Int32Array = new Int32Array(0);
  #slotOf: Int32Array = new Int32Array(0);

  /** @param nlist number of cells */
  constructor(readonly nlist: number) {
    this.#items = Array.from({ length: nlist }, () => new Int32Array(8));
    this.#sizes = new Int32Array(nlist);
  }

  /** The cell of `item` (−1: none). */
  cellOf(item: number): number {
    return item < this.#cellOf.length ? this.#cellOf[item]! : -1;
  }

  /** Files `item` under `cell`, taking it out of its previous cell. */
  add(cell: number, item: number): void {
    if (item >= this.#cellOf.length) {
      const cap = Math.max(64, item + 1, this.#cellOf.length * 2);
      const cells = new Int32Array(cap).fill(-1), slots = new Int32Array(cap);
      cells.set(this.#cellOf);
      slots.set(this.#slotOf);
      this.#cellOf = cells;
      this.#slotOf = slots;
    }
    const previous = this.#cellOf[item]!;
    if (previous === cell) return;
    if (previous >= 0) {
      // Swap-remove: the last item of the old cell takes the slot.
      const list = this.#items[previous]!, slot = this.#slotOf[item]!, last = --this.#sizes[previous]!;
      const moved = list[last]!;
      list[slot] = moved;
      this.#slotOf[moved] = slot;
    }
    let list = this.#items[cell]!;
    const size = this.#sizes[cell]!;
    if (size === list.length) {
      const grown = new Int32Array(list.length * 2);
      grown.set(list);
      this.#items[cell] = list = grown;
    }
    list[size] = item;
    this.#sizes[cell] = size + 1;
    this.#cellOf[item] = cell;
    this.#slotOf[item] = size;
  }

  /** The items of `cell` (a view; valid until the next `add`). */
  items(cell: number): Int32Array {
    return this.#items[cell]!.subarray(0, this.#sizes[cell]!);
  }

  /** The backing array of `cell`: its first `size(cell)` entries are the items (valid until the next `add`). */
  raw(cell: number): Int32Array {
    return this.#items[cell]!;
  }

  /** Number of items in `cell`. */
  size(cell: number): number {
    return this.#sizes[cell]!;
  }
}
