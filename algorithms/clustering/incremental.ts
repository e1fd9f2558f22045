/**
 * A photo library clustered once and then updated night after night without clustering it all again.
 *
 * `build` runs the two passes (greedy first pass, then HAC with a threshold on the first-pass clusters' mean faces).
 * `update` lets a night's observations join the first pass where they would have joined had they come last in one
 * run, then re-runs HAC only on the connected components of the threshold graph that the night touched: clusters in
 * different components are never merged below the threshold (see `connectedComponents`), so every other component's
 * clusters stay as they are. With exact neighbour search the result equals clustering the whole library again.
 * @module
 */
import { type CoarseQuantizer, defaultNlist, InvertedLists, nearestCells, trainCoarseQuantizer } from "../ann/ivf.ts";
import {
  type AsyncGemmProvider,
  defaultGemm,
  type GemmProvider,
  type ThresholdEdges,
  thresholdEdges,
} from "../distance/cosine.ts";
import { graphAverageLinkage } from "../hac/graph_average.ts";
import { hac, type HacOptions, SPARSE_EDGE_MARGIN } from "../hac/hac.ts";
import { type ClusterInput, GreedyClusterer, type GreedyOptions, type GreedyResult } from "./greedy.ts";

/** Options of {@link IncrementalLibrary}. */
export interface IncrementalOptions {
  /** First-pass options (threshold, fusion, candidate search). */
  firstPass: GreedyOptions;
  /** Second-pass HAC: linkage and threshold (required: components need one); `mode` is always sparse. */
  hac: Omit<HacOptions, "mode" | "edges" | "threshold"> & { threshold: number };
  /**
   * How a night finds the first-pass clusters near the ones it changed: `exact` compares each changed mean with
   * every mean (a matrix product); `ivf` looks in the `nprobe` [8] nearest cells of an inverted file over the means
   * (faster, may miss a far neighbour and so leave two components apart) [exact].
   */
  neighbours?: { kind: "exact" } | { kind: "ivf"; nprobe?: number; nlist?: number; seed?: number };
  /**
   * What a night re-clusters: `component` — every connected component of the threshold graph it touched (the result
   * equals clustering everything again); `clusters` — only the final clusters that hold a changed first-pass
   * cluster or one of its neighbours, and the new clusters (cheaper when components are large; a change can no
   * longer ripple through a whole component) [component].
   */
  scope?: "component" | "clusters";
  /** Matrix product [the WebAssembly SIMD kernel where available]. */
  gemm?: GemmProvider;
  /** Clock in seconds for the per-step times of {@link UpdateReport.seconds}; none → times are 0 [none]. */
  clock?: () => number;
}

/** What one `build` or `update` did. */
export interface UpdateReport {
  /** Seconds in the first pass, in finding neighbours (threshold graph / components), and in HAC. */
  seconds: { firstPass: number; neighbours: number; hac: number };
  /** First-pass clusters created or changed. */
  changedClusters: number;
  /** First-pass clusters re-clustered by HAC (the touched components). */
  reclustered: number;
  /** Components the night touched. */
  components: number;
}

/** Union–find over first-pass clusters: components of the threshold graph, merged as edges appear. */
class Components {
  parent: Int32Array = new Int32Array(0);
  grow(n: number): void {
    if (n <= this.parent.length) return;
    const p = new Int32Array(Math.max(n, this.parent.length * 2));
    p.set(this.parent);
    for (let i = this.parent.length; i < p.length; i++) p[i] = i;
    this.parent = p;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** A library's two-pass clustering that can take new observations. */
export class IncrementalLibrary {
  readonly #options: IncrementalOptions;
  readonly #first: GreedyClusterer;
  readonly #components = new Components();
  readonly #gemm: GemmProvider;
  /** Final cluster of each first-pass cluster (−1: no face, not in the HAC). */
  #finalOf: Int32Array = new Int32Array(0);
  #nextFinal = 0;
  #result: GreedyResult | null = null;
  #quantizer: CoarseQuantizer | null = null;
  #lists: InvertedLists | null = null;
  /** The threshold graph over first-pass clusters (cluster ids, each pair once), kept for the nights. */
  #graph = new EdgeList();

  /**
   * @param faceDim face embedding length
   * @param bodyDim body embedding length (0 without bodies)
   * @param options first pass, HAC and neighbour search
   */
  constructor(faceDim: number, bodyDim: number, options: IncrementalOptions) {
    if (!(options.hac.threshold >= 0)) throw new RangeError("the incremental library needs an HAC threshold ≥ 0");
    this.#options = options;
    this.#first = new GreedyClusterer(faceDim, bodyDim, options.firstPass);
    this.#gemm = options.gemm ?? defaultGemm();
  }

  /** The options it was made with. */
  get options(): IncrementalOptions {
    return this.#options;
  }

  /** The first pass's state (for reports: clusters, comparisons). */
  get firstPass(): GreedyResult {
    return this.#result ??= this.#first.result();
  }

  /**
   * Clusters the observations `ids` of `input` (in this order) from scratch: first pass, threshold graph over
   * all first-pass means (exact, or through the inverted file), HAC per component.
   */
  build(input: ClusterInput, ids: Int32Array): UpdateReport {
    const clock = this.#options.clock ?? (() => 0), t0 = clock();
    this.#first.add(input, ids);
    return this.#secondPass(t0);
  }

  /**
   * {@link IncrementalLibrary.build} with the first pass's cell search on an asynchronous matrix product
   * (onnxruntime); the same result.
   */
  async buildAsync(input: ClusterInput, ids: Int32Array, gemm: AsyncGemmProvider): Promise<UpdateReport> {
    const clock = this.#options.clock ?? (() => 0), t0 = clock();
    await this.#first.addAsync(input, ids, gemm);
    return this.#secondPass(t0);
  }

  /** The build after its first pass (started at `t0`): threshold graph, components, HAC. */
  #secondPass(t0: number): UpdateReport {
    const clock = this.#options.clock ?? (() => 0);
    const r = this.#result = this.#first.result();
    const t1 = clock();
    const items = Int32Array.from({ length: r.clusters }, (_, c) => c).filter((c) => r.faceCount[c]! > 0);
    this.#components.grow(r.clusters);
    const means = this.#means(items);
    const t = this.#options.hac.threshold + SPARSE_EDGE_MARGIN;
    const edges = (this.#options.neighbours ?? { kind: "exact" }).kind === "exact"
      ? thresholdEdges(means, this.#first.faceDim, t, { gemm: this.#gemm })
      : this.#ivfEdges(items, items);
    this.#graph = new EdgeList();
    for (let e = 0; e < edges.i.length; e++) {
      if (!(edges.d[e]! <= t)) continue;
      const a = items[edges.i[e]!]!, b = items[edges.j[e]!]!;
      this.#components.union(a, b);
      this.#graph.push(a, b);
    }
    const t2 = clock();
    this.#recluster(items);
    return {
      seconds: { firstPass: t1 - t0, neighbours: t2 - t1, hac: clock() - t2 },
      changedClusters: r.clusters,
      reclustered: items.length,
      components: this.#countRoots(items),
    };
  }

  /** Adds a night's observations (`ids`, in order) and re-clusters the components they touched. */
  update(input: ClusterInput, ids: Int32Array): UpdateReport {
    const clock = this.#options.clock ?? (() => 0), t0 = clock();
    const joined = this.#first.add(input, ids);
    const r = this.#result = this.#first.result();
    const t1 = clock();
    const changed = Int32Array.from(new Set(joined)).filter((c) => r.faceCount[c]! > 0).sort();
    this.#components.grow(r.clusters);
    const near = this.#linkChanged(changed);
    const roots = new Set(Array.from(changed, (c) => this.#components.find(c)));
    const touched: number[] = [];
    if ((this.#options.scope ?? "component") === "component") {
      // Every cluster in a component the night reached is clustered again, together.
      for (let c = 0; c < r.clusters; c++) {
        if (r.faceCount[c]! > 0 && roots.has(this.#components.find(c))) touched.push(c);
      }
    } else {
      // The final clusters of the changed clusters and of their neighbours, and the new clusters.
      const finals = new Set<number>();
      for (const c of [...changed, ...near]) if (this.#finalOf[c]! >= 0) finals.add(this.#finalOf[c]!);
      const isChanged = new Uint8Array(r.clusters);
      for (const c of changed) isChanged[c] = 1;
      for (let c = 0; c < r.clusters; c++) {
        if (r.faceCount[c]! > 0 && (isChanged[c] || finals.has(this.#finalOf[c]!))) touched.push(c);
      }
    }
    const t2 = clock();
    this.#recluster(Int32Array.from(touched));
    return {
      seconds: { firstPass: t1 - t0, neighbours: t2 - t1, hac: clock() - t2 },
      changedClusters: new Set(joined).size,
      reclustered: touched.length,
      components: roots.size,
    };
  }

  /** Final cluster of each observation (−1: not processed, or no face and no first-pass cluster with one). */
  labels(): Int32Array {
    const fp = this.firstPass.labels;
    const out = new Int32Array(fp.length);
    for (let i = 0; i < fp.length; i++) out[i] = fp[i]! >= 0 ? this.#finalOf[fp[i]!]! : -1;
    return out;
  }

  #countRoots(items: Int32Array): number {
    const roots = new Set<number>();
    for (const c of items) roots.add(this.#components.find(c));
    return roots.size;
  }

  /** Means of the given first-pass clusters as rows. */
  #means(items: ArrayLike<number>): Float32Array {
    const dim = this.#first.faceDim, means = this.#result!.faceMeans;
    const out = new Float32Array(items.length * dim);
    for (let r = 0; r < items.length; r++) out.set(means.subarray(items[r]! * dim, items[r]! * dim + dim), r * dim);
    return out;
  }

  /**
   * Joins into one component every changed cluster and each cluster with a face within the threshold of it.
   * @returns those neighbours
   */
  #linkChanged(changed: Int32Array): Set<number> {
    const near = new Set<number>();
    // The changed clusters' means moved: their old edges go, the ones found now replace them.
    const isChanged = new Uint8Array(this.#result!.clusters);
    for (const c of changed) isChanged[c] = 1;
    this.#graph.dropTouching(isChanged);
    const seen = new Set<number>();
    const link = (c: number, o: number): void => {
      this.#components.union(c, o);
      near.add(o);
      if (isChanged[o]) {
        // Both ends changed: the pair is found from each end, keep it once.
        const key = Math.min(c, o) * isChanged.length + Math.max(c, o);
        if (seen.has(key)) return;
        seen.add(key);
      }
      this.#graph.push(c, o);
    };
    const r = this.#result!, dim = this.#first.faceDim;
    const t = this.#options.hac.threshold + SPARSE_EDGE_MARGIN, minSim = 1 - t - 1e-6;
    const all = Int32Array.from({ length: r.clusters }, (_, c) => c).filter((c) => r.faceCount[c]! > 0);
    if ((this.#options.neighbours ?? { kind: "exact" }).kind === "ivf") {
      const e = this.#ivfEdges(changed, all);
      for (let k = 0; k < e.i.length; k++) link(changed[e.i[k]!]!, all[e.j[k]!]!);
      return near;
    }
    // Exact: blocks of changed means against all means, one matrix product per block.
    const b = this.#means(all);
    const block = Math.max(1, Math.min(changed.length, Math.floor((1 << 24) / Math.max(1, all.length))));
    const sims = new Float32Array(block * all.length);
    for (let a0 = 0; a0 < changed.length; a0 += block) {
      const na = Math.min(block, changed.length - a0);
      this.#gemm.abt(this.#means(changed.subarray(a0, a0 + na)), na, b, all.length, dim, sims);
      for (let a = 0; a < na; a++) {
        const c = changed[a0 + a]!, row = a * all.length;
        for (let k = 0; k < all.length; k++) {
          if (sims[row + k]! < minSim || all[k] === c) continue;
          link(c, all[k]!);
        }
      }
    }
    return near;
  }

  /**
   * Pairs (query q, item o) within the threshold found through the inverted file over the means: `i` indexes
   * `queries`, `j` indexes `items`. When both lists are the same (a build), each pair appears once with i < j.
   * Files (or re-files) the queries' means first, so the lists follow the means.
   */
  #ivfEdges(queries: Int32Array, items: Int32Array): ThresholdEdges {
    const search = this.#options.neighbours as Extract<IncrementalOptions["neighbours"], { kind: "ivf" }>;
    const dim = this.#first.faceDim, means = this.#result!.faceMeans;
    const t = this.#options.hac.threshold + SPARSE_EDGE_MARGIN, minSim = 1 - t - 1e-6;
    const q = this.#means(queries);
    if (!this.#quantizer) {
      this.#quantizer = trainCoarseQuantizer(this.#means(items), dim, {
        nlist: search.nlist ?? defaultNlist(items.length, search.nprobe ?? 8),
        seed: search.seed ?? 1,
        gemm: this.#gemm,
      });
      this.#lists = new InvertedLists(this.#quantizer.nlist);
      if (queries !== items) {
        const cells = new Int32Array(items.length);
        nearestCells(this.#quantizer, this.#means(items), items.length, 1, cells, this.#gemm);
        for (let k = 0; k < items.length; k++) this.#lists.add(cells[k]!, items[k]!);
      }
    }
    const nprobe = Math.min(search.nprobe ?? 8, this.#quantizer.nlist);
    const cells = new Int32Array(queries.length * nprobe);
    // (A build's queries are its items: their first cell files them, one cell search for both.)
    nearestCells(this.#quantizer, q, queries.length, nprobe, cells, this.#gemm);
    for (let a = 0; a < queries.length; a++) this.#lists!.add(cells[a * nprobe]!, queries[a]!);
    const position = new Int32Array(this.#result!.clusters).fill(-1);
    items.forEach((c, k) => position[c] = k);
    const same = queries === items;
    // Cell by cell: one matrix product of the queries probing the cell by the cell's items (no query changes the
    // means, so the whole set is one batch).
    const nlist = this.#quantizer.nlist, lists = this.#lists!;
    const cellStart = new Int32Array(nlist + 1);
    for (let x = 0; x < cells.length; x++) cellStart[cells[x]! + 1]!++;
    for (let c = 0; c < nlist; c++) cellStart[c + 1]! += cellStart[c]!;
    const byCell = new Int32Array(cells.length), fill = cellStart.slice(0, nlist);
    for (let x = 0; x < cells.length; x++) byCell[fill[cells[x]!]!++] = Math.floor(x / nprobe);
    // Pair keys i · |items| + j (exact in float64); a pair found from both ends appears twice until deduplicated.
    let keys = new Float64Array(1024), m = 0;
    let a = new Float32Array(0), b = new Float32Array(0), sims = new Float32Array(0);
    for (let cell = 0; cell < nlist; cell++) {
      const nq = cellStart[cell + 1]! - cellStart[cell]!, size = lists.size(cell), list = lists.raw(cell);
      if (nq === 0 || size === 0) continue;
      // The cell's items that are among `items` (a night's query set looks at every cluster; a build's at all).
      const inCell: number[] = [];
      for (let t0 = 0; t0 < size; t0++) if (position[list[t0]!]! >= 0) inCell.push(list[t0]!);
      const ni = inCell.length;
      if (ni === 0) continue;
      if (b.length < ni * dim) b = new Float32Array(ni * dim * 2);
      for (let y = 0; y < ni; y++) b.set(means.subarray(inCell[y]! * dim, inCell[y]! * dim + dim), y * dim);
      // Queries in chunks so the similarity block stays small.
      const chunk = Math.max(1, Math.floor((1 << 22) / ni));
      for (let x0 = cellStart[cell]!; x0 < cellStart[cell + 1]!; x0 += chunk) {
        const nx = Math.min(chunk, cellStart[cell + 1]! - x0);
        if (a.length < nx * dim) a = new Float32Array(nx * dim * 2);
        if (sims.length < nx * ni) sims = new Float32Array(nx * ni * 2);
        for (let x = 0; x < nx; x++) a.set(q.subarray(byCell[x0 + x]! * dim, byCell[x0 + x]! * dim + dim), x * dim);
        this.#gemm.abt(a, nx, b, ni, dim, sims);
        for (let x = 0; x < nx; x++) {
          const qa = byCell[x0 + x]!, c = queries[qa]!;
          for (let y = 0, so = x * ni; y < ni; y++) {
            if (!(sims[so + y]! >= minSim) || inCell[y] === c) continue;
            const k = position[inCell[y]!]!;
            if (m === keys.length) {
              const grown = new Float64Array(m * 2);
              grown.set(keys);
              keys = grown;
            }
            keys[m++] = same && k < qa ? k * items.length + qa : qa * items.length + k;
          }
        }
      }
    }
    const sorted = keys.subarray(0, m).sort();
    let u = 0;
    for (let x = 0; x < m; x++) if (x === 0 || sorted[x] !== sorted[x - 1]) sorted[u++] = sorted[x]!;
    const e = { i: new Int32Array(u), j: new Int32Array(u), d: new Float32Array(u) };
    const qi = same ? null : q;
    for (let x = 0; x < u; x++) {
      const i = Math.floor(sorted[x]! / items.length), j = sorted[x]! - i * items.length;
      e.i[x] = i;
      e.j[x] = j;
      const ai = (qi ? i : items[i]!) * dim, bj = items[j]! * dim, src = qi ?? means;
      let s = 0;
      for (let t = 0; t < dim; t++) s += src[ai + t]! * means[bj + t]!;
      e.d[x] = Math.max(0, 1 - s);
    }
    return e;
  }

  /**
   * Runs HAC on the given first-pass clusters, over the edges of the kept threshold graph between them, and gives
   * them fresh final labels. Average linkage merges along the graph with exact linkages from the groups' sums
   * (`graphAverageLinkage`: memory and time linear in the edges); other linkages run the sparse `hac` per component.
   */
  #recluster(items: Int32Array): void {
    const r = this.#result!;
    if (this.#finalOf.length < r.clusters) {
      const f = new Int32Array(Math.max(r.clusters, this.#finalOf.length * 2)).fill(-1);
      f.set(this.#finalOf);
      this.#finalOf = f;
    }
    if (items.length === 0) return;
    const dim = this.#first.faceDim, means = this.#means(items);
    const local = this.#graph.within(items, r.clusters);
    const { threshold, ...rest } = this.#options.hac;
    let labels: Int32Array;
    if (this.#options.hac.linkage === "average") {
      labels = graphAverageLinkage(means, dim, local, threshold);
    } else {
      const d = new Float32Array(local.i.length);
      for (let e = 0; e < d.length; e++) {
        let s = 0;
        for (let k = 0, a = local.i[e]! * dim, b = local.j[e]! * dim; k < dim; k++) s += means[a + k]! * means[b + k]!;
        d[e] = Math.max(0, 1 - s);
      }
      labels = hac(means, dim, { ...rest, threshold, mode: "sparse", gemm: this.#gemm, edges: { ...local, d } }).labels;
    }
    let max = -1;
    for (let k = 0; k < items.length; k++) {
      this.#finalOf[items[k]!] = this.#nextFinal + labels[k]!;
      if (labels[k]! > max) max = labels[k]!;
    }
    this.#nextFinal += max + 1;
  }
}

/** A growable list of graph edges between first-pass clusters. */
class EdgeList {
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  size = 0;

  push(a: number, b: number): void {
    if (this.size === this.a.length) {
      const ga = new Int32Array(this.size * 2), gb = new Int32Array(this.size * 2);
      ga.set(this.a);
      gb.set(this.b);
      this.a = ga;
      this.b = gb;
    }
    this.a[this.size] = Math.min(a, b);
    this.b[this.size++] = Math.max(a, b);
  }

  /** Removes every edge with an end flagged in `flag`. */
  dropTouching(flag: Uint8Array): void {
    let w = 0;
    for (let e = 0; e < this.size; e++) {
      const a = this.a[e]!, b = this.b[e]!;
      if (flag[a] || flag[b]) continue;
      this.a[w] = a;
      this.b[w++] = b;
    }
    this.size = w;
  }

  /** The edges with both ends among `items`, as indices into `items` (i < j). */
  within(items: Int32Array, clusters: number): { i: Int32Array; j: Int32Array } {
    const position = new Int32Array(clusters).fill(-1);
    items.forEach((c, k) => position[c] = k);
    let m = 0;
    for (let e = 0; e < this.size; e++) if (position[this.a[e]!]! >= 0 && position[this.b[e]!]! >= 0) m++;
    const i = new Int32Array(m), j = new Int32Array(m);
    m = 0;
    for (let e = 0; e < this.size; e++) {
      const pa = position[this.a[e]!]!, pb = position[this.b[e]!]!;
      if (pa < 0 || pb < 0) continue;
      i[m] = Math.min(pa, pb);
      j[m++] = Math.max(pa, pb);
    }
    return { i, j };
  }
}
