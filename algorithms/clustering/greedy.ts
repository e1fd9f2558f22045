/**
 * The conservative greedy first pass: observations in a fixed order (time by default) join the closest
 * existing cluster when the fused distance is ≤ t1, else start a new one. Clusters keep running sums of
 * face embeddings and per-moment sums of body embeddings.
 * @module
 */
import {
  type CoarseQuantizer,
  defaultNlist,
  InvertedLists,
  nearestCells,
  nearestCellsAsync,
  trainCoarseQuantizer,
  trainCoarseQuantizerAsync,
} from "../ann/ivf.ts";
import { type AsyncGemmProvider, defaultGemm, type GemmProvider } from "../distance/cosine.ts";
import { ROW_DOTS_BATCH, RowDots } from "../distance/row_dots.ts";
import { fuseDistances, type FusionConfig, fusionConfig } from "../distance/fused.ts";

/**
 * Observations to cluster: embedding matrices plus, per observation, its face row, body row
 * (−1 = none) and moment (−1 = unknown). Built from a dataset by `datasets/cluster_input.ts`.
 */
export interface ClusterInput {
  /** Number of observations. */
  n: number;
  /** faces × faceDim, unit rows. */
  face: Float32Array;
  /** Face embedding length. */
  faceDim: number;
  /** Face row of each observation (−1: no face). */
  faceRow: Int32Array;
  /** bodies × bodyDim, unit rows, or null. */
  body: Float32Array | null;
  /** Body embedding length (0 without bodies). */
  bodyDim: number;
  /** Body row of each observation (−1: no body). */
  bodyRow: Int32Array;
  /** Moment of each observation (−1: unknown; never matches under the moment gate). */
  moment: Int32Array;
  /** Processing order of the first pass (a permutation of 0..n−1) [0, 1, …, n−1]. */
  order?: Int32Array;
}

/** How the first pass finds the clusters worth an exact distance. */
export type CandidateSearch =
  | { kind: "exact" }
  | {
    /** Inverted file over the clusters' mean faces (see `algorithms/ann/ivf.ts`). */
    kind: "ivf";
    /** Cells [√(faces · nprobe), at most 54 · nprobe: see docs/scale.md on the fraction probed]. */
    nlist?: number;
    /** Cells looked at per observation [32]. */
    nprobe?: number;
    /** Seed of the quantizer's training [1]. */
    seed?: number;
    /** Observations screened together against the lists as they were at the block's start (any size gives the same
     * result; larger blocks read each list fewer times) [2048]. */
    block?: number;
  };

/** Options of {@link greedyFirstPass}. */
export interface GreedyOptions {
  /** t1: join a cluster when D ≤ t1 [0.3]. */
  threshold?: number;
  /** Fused-distance parameters [DEFAULT_FUSION]. */
  fusion?: Partial<FusionConfig>;
  /**
   * Candidate clusters [exact: every cluster]. With `ivf`, an observation's face is compared with the clusters
   * filed under its `nprobe` nearest cells, and its body with every cluster of its moment (as in the exact
   * search); the decision always uses the exact fused distance, so only a missed candidate can change a result.
   */
  candidates?: CandidateSearch;
  /** Matrix product for the IVF's cell search [the WebAssembly SIMD kernel where available]. */
  gemm?: GemmProvider;
}

/** Output of {@link greedyFirstPass}. */
export interface GreedyResult {
  /** Cluster of each observation, 0..k−1 in creation order. */
  labels: Int32Array;
  /** Number of clusters k. */
  clusters: number;
  /** CSR member lists: cluster c has `members[memberStart[c]..memberStart[c+1])`, in processing order. */
  memberStart: Int32Array;
  /** Observation ids, grouped by cluster (see `memberStart`). */
  members: Int32Array;
  /** k × faceDim L2-normalised mean face of each cluster (zero row when it has no face). */
  faceMeans: Float32Array;
  /** Faces per cluster. */
  faceCount: Int32Array;
  /** Observation–cluster distance evaluations made. */
  comparisons: number;
}

/**
 * Margin of the float32 candidate screen: a float32 dot product of two unit rows of length ≤ 1024 is within 1e-5 of
 * the float64 one, so a candidate whose screened distance exceeds t1 by more than this cannot be within t1.
 */
const SCREEN_EPS = 1e-4;

/**
 * The default cell count is √(faces · nprobe) (the cell search against the list scan) but at most this many cells per
 * cell probed: the first pass's accuracy falls off a cliff when too small a fraction of the cells is probed, because a
 * missed join splits a person for good (see docs/scale.md: 32 of 1,716 cells keep the exact pass's BCubed F on the
 * medium preset; 32 of 2,300 lose 0.033, and 32 of 2,940 at 300k lost 0.07).
 */
const MAX_CELLS_PER_PROBE = 54;

/** Observations screened together against the lists as they were at the block's start. */
const SCREEN_BLOCK = 2048;

/** Fused distances below this are rounding of identical directions and count as 0. */
const ZERO_EPS = 1e-9;

/**
 * Runs the greedy first pass. Each observation is compared with every existing cluster: F against the
 * cluster's mean face, T against the cluster's mean body in the observation's moment (any moment when
 * `gateByMoment` is off); D = fuseDistances(F, T). It joins the closest cluster (ties: the older
 * cluster) when D ≤ t1, else starts a new cluster. O(n · k · d); with `candidates: {kind: "ivf"}`
 * O(n · (nlist + nprobe · k / nlist) · d).
 *
 * @param input observations and embeddings
 * @param options t1, fusion parameters and candidate search
 * @returns labels, CSR member lists, mean faces
 * @throws {RangeError} on a negative threshold, a bad order, or rows out of range
 * @example
 * ```ts
 * import { greedyFirstPass } from "./greedy.ts";
 * const face = new Float32Array([1, 0, 1, 0, 0, 1]);
 * const r = greedyFirstPass({
 *   n: 3, face, faceDim: 2, faceRow: Int32Array.of(0, 1, 2), body: null, bodyDim: 0,
 *   bodyRow: Int32Array.of(-1, -1, -1), moment: Int32Array.of(0, 0, 0),
 * }, { threshold: 0.1 });
 * if (r.labels.join() !== "0,0,1") throw new Error();
 * ```
 */
export function greedyFirstPass(input: ClusterInput, options: GreedyOptions = {}): GreedyResult {
  const order = input.order ?? Int32Array.from({ length: input.n }, (_, i) => i);
  validateInput(input, order);
  const clusterer = new GreedyClusterer(input.faceDim, input.bodyDim, options);
  clusterer.add(input, order);
  return clusterer.result();
}

/**
 * The first pass as a state that grows: {@link GreedyClusterer.add} processes observations in the order given and
 * can be called again when the library grows (a night's new photos join the clusters of the earlier ones exactly as
 * if they had come last in one run).
 */
export class GreedyClusterer {
  readonly #t1: number;
  readonly #cfg: FusionConfig;
  readonly #search: CandidateSearch;
  readonly #gemm: GemmProvider | undefined;
  #cap = 64;
  #faceSum: Float64Array;
  #faceNorm: Float64Array;
  #faceCount: Int32Array;
  #k = 0;
  // Body sums per (cluster, moment key): a pool of vectors plus, per moment key, its clusters.
  #bodyPool: Float64Array;
  #bodyPoolNorm: Float64Array = new Float64Array(64);
  #bodyPoolSize = 0;
  readonly #byMoment = new Map<number, { cluster: number[]; slot: number[] }>();
  #labels: Int32Array = new Int32Array(0);
  #order: number[] = [];
  #comparisons = 0;
  #tDist: Float64Array;
  /** Position (in the current `add`) of each cluster's last change; −1: none. */
  #dirtyAt: Int32Array;
  #quantizer: CoarseQuantizer | null = null;
  #lists: InvertedLists | null = null;
  /** Unit mean face of each cluster in float32, for the batched candidate screen. */
  readonly #rows: RowDots;
  #blockGemm: GemmProvider | null = null;

  /**
   * @param faceDim face embedding length
   * @param bodyDim body embedding length (0 without bodies)
   * @param options t1, fusion parameters and candidate search (see {@link GreedyOptions})
   */
  constructor(readonly faceDim: number, readonly bodyDim: number, options: GreedyOptions = {}) {
    this.#t1 = options.threshold ?? 0.3;
    if (!(this.#t1 >= 0)) throw new RangeError(`first-pass threshold must be ≥ 0, got ${this.#t1}`);
    this.#cfg = fusionConfig(options.fusion);
    this.#search = options.candidates ?? { kind: "exact" };
    if (this.#search.kind === "ivf" && !((this.#search.nprobe ?? 32) >= 1)) {
      throw new RangeError(`ivf nprobe must be ≥ 1, got ${this.#search.nprobe}`);
    }
    this.#gemm = options.gemm;
    this.#faceSum = new Float64Array(this.#cap * faceDim);
    this.#faceNorm = new Float64Array(this.#cap);
    this.#faceCount = new Int32Array(this.#cap);
    this.#bodyPool = new Float64Array(64 * Math.max(1, bodyDim));
    this.#tDist = new Float64Array(this.#cap).fill(NaN);
    this.#dirtyAt = new Int32Array(this.#cap).fill(-1);
    this.#rows = new RowDots(faceDim);
  }

  /** Number of clusters so far. */
  get clusters(): number {
    return this.#k;
  }

  /**
   * Processes `ids` (observations of `input`, in this order). `input` may be a larger library than at the
   * previous call (new rows appended); observations already processed must not be given again.
   * @returns the cluster of each processed observation, in the order of `ids`
   * @throws {RangeError} on rows out of range or an observation processed twice
   */
  add(input: ClusterInput, ids: Int32Array): Int32Array {
    this.#admit(input, ids);
    return this.#scan(input, ids, this.#search.kind === "ivf" ? this.#probe(input, ids) : null);
  }

  /**
   * {@link GreedyClusterer.add} with the inverted file's cell search (and its training) on an asynchronous matrix
   * product, e.g. onnxruntime; the same result.
   */
  async addAsync(input: ClusterInput, ids: Int32Array, gemm: AsyncGemmProvider): Promise<Int32Array> {
    this.#admit(input, ids);
    return this.#scan(input, ids, this.#search.kind === "ivf" ? await this.#probeAsync(input, ids, gemm) : null);
  }

  /** Checks `ids` against `input` and the observations already clustered; makes room for their labels. */
  #admit(input: ClusterInput, ids: Int32Array): void {
    checkInput(input, ids, false);
    if (input.faceDim !== this.faceDim) {
      throw new RangeError(`face length ${input.faceDim}, the clusters have ${this.faceDim}`);
    }
    if (input.n > this.#labels.length) {
      const grown = new Int32Array(input.n).fill(-1);
      grown.set(this.#labels);
      this.#labels = grown;
    }
    for (const o of ids) {
      if (this.#labels[o] !== -1) throw new RangeError(`observation ${o} was already clustered`);
    }
  }

  /** The first pass proper over `ids`, given each face's nearest cells (null: exact search). */
  #scan(input: ClusterInput, ids: Int32Array, cells: { cells: Int32Array; nprobe: number } | null): Int32Array {
    const { face, faceDim, faceRow, body, bodyDim, bodyRow, moment } = input;
    const cfg = this.#cfg, t1 = this.#t1, minScore = 1 - (t1 + SCREEN_EPS);
    const useBody = body !== null && cfg.beta > 0 && bodyDim > 0;
    const nprobe = cells ? cells.nprobe : 0;
    const out = new Int32Array(ids.length);
    // Inverted file: blocks of observations are screened cell by cell against the lists as they were at the block's
    // start (see #screenBlock); clusters changed since then ("dirty") are screened again one observation at a time.
    let block: { start: Int32Array; cand: Int32Array } | null = null, b0 = 0, b1 = 0;
    const dirty: number[] = [];
    const screenBlock = Math.max(1, (this.#search as { block?: number }).block ?? SCREEN_BLOCK);
    this.#dirtyAt.fill(-1);
    const cellMark = cells ? new Int32Array(this.#lists!.nlist).fill(-1) : null;
    for (let p = 0; p < ids.length; p++) {
      if (cells && p === b1) {
        b0 = p;
        b1 = Math.min(ids.length, p + screenBlock);
        block = this.#screenBlock(input, ids, b0, b1, cells.cells, nprobe, minScore);
        dirty.length = 0;
      }
      const o = ids[p]!;
      const fr = faceRow[o]!, br = useBody ? bodyRow[o]! : -1;
      const mkey = cfg.gateByMoment ? moment[o]! : 0;
      const gated = cfg.gateByMoment && mkey < 0;
      const k = this.#k;
      const tDist = this.#tDist;
      const faceSum = this.#faceSum, faceNorm = this.#faceNorm, faceCount = this.#faceCount;
      let on = 0;
      if (fr >= 0) {
        // Divide by both norms: float32 "unit" rows are not exactly unit, and duplicates must give 0.
        let oo = 0;
        for (let j = 0, fo = fr * faceDim; j < faceDim; j++) oo += face[fo + j]! * face[fo + j]!;
        on = Math.sqrt(oo);
      }
      const faceTo = (c: number): number => {
        if (fr < 0 || faceCount[c] === 0) return NaN;
        let s = 0;
        const co = c * faceDim, fo = fr * faceDim;
        for (let j = 0; j < faceDim; j++) s += face[fo + j]! * faceSum[co + j]!;
        const d = 1 - s / (faceNorm[c]! * on);
        return d < 0 ? 0 : d;
      };
      // T to the clusters that have bodies in this moment.
      const entry = br >= 0 && !gated ? this.#byMoment.get(mkey) : undefined;
      if (entry) {
        const bo = br * bodyDim;
        let oo = 0;
        for (let j = 0; j < bodyDim; j++) oo += body![bo + j]! * body![bo + j]!;
        const bn = Math.sqrt(oo);
        for (let q = 0; q < entry.cluster.length; q++) {
          const c = entry.cluster[q]!, slot = entry.slot[q]!;
          let s = 0;
          const so = slot * bodyDim;
          for (let j = 0; j < bodyDim; j++) s += body![bo + j]! * this.#bodyPool[so + j]!;
          const d = 1 - s / (this.#bodyPoolNorm[slot]! * bn);
          tDist[c] = d < 0 ? 0 : d;
        }
      }
      let best = Infinity, arg = -1;
      const consider = (c: number, f: number): void => {
        let d = fuseDistances(f, tDist[c]!, cfg);
        if (d < ZERO_EPS) d = 0;
        if (d < best || (d === best && c < arg)) { // ties: the older cluster
          best = d;
          arg = c;
        }
      };
      // Face candidates are screened in batches with float32 dot products against the unit means (WebAssembly
      // SIMD): without a body distance in this moment D = F, so a candidate can join only when F ≤ t1 and is ruled
      // out above t1 + SCREEN_EPS. Every survivor, and every cluster with a body distance, gets the exact distance.
      const rows = this.#rows;
      let pending = 0;
      // The kernel returns only the candidates within the margin of t1; each of those gets the exact distance.
      const flush = (): void => {
        const kept = rows.screen(pending, minScore), ids = rows.ids;
        for (let q = 0; q < kept; q++) {
          const c = ids[q]!;
          if (faceCount[c]! > 0) consider(c, faceTo(c));
        }
        pending = 0;
      };
      if (fr >= 0) {
        rows.setQuery(face, fr * faceDim, 1 / on);
        if (cells === null) {
          for (let c = 0; c < k; c++) {
            rows.ids[pending++] = c;
            if (pending === ROW_DOTS_BATCH) flush();
          }
          this.#comparisons += k;
        } else {
          // Survivors of the block's screen that nothing changed since, then the changed clusters now filed under
          // one of the observation's cells (created, joined or moved during the block) — together exactly the
          // clusters of those cells now that can be within t1.
          const { start, cand } = block!, dirtyAt = this.#dirtyAt;
          for (let t = start[p - b0]!; t < start[p - b0 + 1]!; t++) {
            const c = cand[t]!;
            if (dirtyAt[c]! < b0) consider(c, faceTo(c));
          }
          const lists = this.#lists!, mark = cellMark!;
          for (let j = 0; j < nprobe; j++) {
            const cell = cells.cells[p * nprobe + j]!;
            if (cell < 0) break;
            mark[cell] = p;
            this.#comparisons += lists.size(cell);
          }
          for (const c of dirty) {
            if (mark[lists.cellOf(c)] !== p) continue;
            rows.ids[pending++] = c;
            if (pending === ROW_DOTS_BATCH) flush();
          }
        }
        flush();
      }
      // Every cluster with a body in this moment, exactly (a cluster met twice is simply considered twice).
      if (entry) {
        for (const c of entry.cluster) consider(c, faceTo(c));
        this.#comparisons += entry.cluster.length;
      }
      if (entry) { for (const c of entry.cluster) tDist[c] = NaN; }
      let c = arg;
      if (!(best <= t1)) {
        c = this.#k++;
        if (this.#k > this.#cap) this.#grow();
      }
      this.#labels[o] = c;
      this.#order.push(o);
      out[p] = c;
      if (cells && fr >= 0) {
        if (this.#dirtyAt[c]! < b0) dirty.push(c);
        this.#dirtyAt[c] = p;
      }
      if (fr >= 0) {
        const fs = this.#faceSum, co = c * faceDim, fo = fr * faceDim;
        let s2 = 0;
        for (let j = 0; j < faceDim; j++) {
          const v = fs[co + j]! + face[fo + j]!;
          fs[co + j] = v;
          s2 += v * v;
        }
        this.#faceNorm[c] = Math.sqrt(s2);
        this.#faceCount[c]!++;
        this.#rows.setRow(c, fs, co, 1 / this.#faceNorm[c]!);
        if (cells) this.#refile(c, cells.cells.subarray(p * nprobe, p * nprobe + nprobe));
      }
      if (br >= 0 && !gated) this.#addBody(c, mkey, body!, br);
    }
    return out;
  }

  /**
   * Files cluster `c` under the cell most similar to its mean among its current cell and the cells of the face that
   * just joined it (the mean moves towards that face), so the lists follow the means as they drift.
   */
  #refile(c: number, faceCells: Int32Array): void {
    const lists = this.#lists!, q = this.#quantizer!, dim = this.faceDim, co = c * dim;
    let bestCell = lists.cellOf(c), bestSim = -Infinity;
    const sim = (cell: number): number => {
      let s = 0;
      for (let j = 0, o = cell * dim; j < dim; j++) s += q.centroids[o + j]! * this.#faceSum[co + j]!;
      return s;
    };
    if (bestCell >= 0) bestSim = sim(bestCell);
    for (const cell of faceCells) {
      if (cell < 0 || cell === bestCell) continue;
      const s = sim(cell);
      if (s > bestSim) {
        bestSim = s;
        bestCell = cell;
      }
    }
    lists.add(bestCell, c);
  }

  /** The nearest cells of the faces among `ids`; trains the quantizer on the first call. */
  /**
   * Screens the observations `ids[b0..b1)` against the clusters filed under their cells now: for each cell, one
   * matrix product of the block's faces that probe it by the cell's unit means (float32), keeping the pairs within
   * the screen margin of t1. Much faster than one gathered scan per observation: each list is read once per block.
   * @returns CSR candidates per observation of the block (`cand[start[p − b0] .. start[p − b0 + 1])`)
   */
  #screenBlock(
    input: ClusterInput,
    ids: Int32Array,
    b0: number,
    b1: number,
    cells: Int32Array,
    nprobe: number,
    minScore: number,
  ): { start: Int32Array; cand: Int32Array } {
    const lists = this.#lists!, nlist = lists.nlist, dim = this.faceDim, { face, faceRow } = input;
    const rows = this.#rows, pd = rows.padDim, gemm = this.#blockGemm ??= defaultGemm();
    // The block's (observation, cell) pairs grouped by cell.
    const cellStart = new Int32Array(nlist + 1);
    for (let p = b0; p < b1; p++) {
      if (faceRow[ids[p]!]! < 0) continue;
      for (let j = 0; j < nprobe; j++) {
        const cell = cells[p * nprobe + j]!;
        if (cell >= 0) cellStart[cell + 1]!++;
      }
    }
    for (let c = 0; c < nlist; c++) cellStart[c + 1]! += cellStart[c]!;
    const byCell = new Int32Array(cellStart[nlist]!), fill = cellStart.slice(0, nlist);
    for (let p = b0; p < b1; p++) {
      if (faceRow[ids[p]!]! < 0) continue;
      for (let j = 0; j < nprobe; j++) {
        const cell = cells[p * nprobe + j]!;
        if (cell >= 0) byCell[fill[cell]!++] = p;
      }
    }
    // Unit faces of the block.
    const unit = new Float32Array((b1 - b0) * dim);
    for (let p = b0; p < b1; p++) {
      const fr = faceRow[ids[p]!]!;
      if (fr < 0) continue;
      let oo = 0;
      for (let j = 0, fo = fr * dim; j < dim; j++) oo += face[fo + j]! * face[fo + j]!;
      const inv = 1 / Math.sqrt(oo);
      for (let j = 0, fo = fr * dim, uo = (p - b0) * dim; j < dim; j++) unit[uo + j] = face[fo + j]! * inv;
    }
    let pairP: Int32Array = new Int32Array(1024), pairC: Int32Array = new Int32Array(1024), m = 0;
    let a = new Float32Array(0), b = new Float32Array(0), sims = new Float32Array(0);
    for (let cell = 0; cell < nlist; cell++) {
      const nq = cellStart[cell + 1]! - cellStart[cell]!, ni = lists.size(cell);
      if (nq === 0 || ni === 0) continue;
      if (a.length < nq * dim) a = new Float32Array(nq * dim * 2);
      if (b.length < ni * dim) b = new Float32Array(ni * dim * 2);
      if (sims.length < nq * ni) sims = new Float32Array(nq * ni * 2);
      const q0 = cellStart[cell]!, items = lists.raw(cell), matrix = rows.matrix;
      for (let x = 0; x < nq; x++) {
        a.set(unit.subarray((byCell[q0 + x]! - b0) * dim, (byCell[q0 + x]! - b0 + 1) * dim), x * dim);
      }
      for (let y = 0; y < ni; y++) b.set(matrix.subarray(items[y]! * pd, items[y]! * pd + dim), y * dim);
      gemm.abt(a, nq, b, ni, dim, sims);
      for (let x = 0; x < nq; x++) {
        for (let y = 0, so = x * ni; y < ni; y++) {
          if (!(sims[so + y]! >= minScore)) continue;
          if (m === pairP.length) {
            pairP = growInt(pairP, m * 2);
            pairC = growInt(pairC, m * 2);
          }
          pairP[m] = byCell[q0 + x]!;
          pairC[m++] = items[y]!;
        }
      }
    }
    const start = new Int32Array(b1 - b0 + 1);
    for (let e = 0; e < m; e++) start[pairP[e]! - b0 + 1]!++;
    for (let x = 0; x < b1 - b0; x++) start[x + 1]! += start[x]!;
    const cand = new Int32Array(m), at = start.slice(0, b1 - b0);
    for (let e = 0; e < m; e++) cand[at[pairP[e]! - b0]!++] = pairC[e]!;
    return { start, cand };
  }

  #probe(input: ClusterInput, ids: Int32Array): { cells: Int32Array; nprobe: number } {
    const { nprobe, nlist, faces, seed } = this.#probeShape(input);
    const dim = input.faceDim;
    if (faces === 0) return { cells: new Int32Array(ids.length * nprobe).fill(-1), nprobe };
    if (!this.#quantizer) {
      this.#useQuantizer(
        trainCoarseQuantizer(input.face.subarray(0, faces * dim), dim, { nlist, seed, gemm: this.#gemm }),
      );
    }
    const cells = new Int32Array(ids.length * nprobe);
    nearestCells(this.#quantizer!, gatherFaces(input, ids), ids.length, nprobe, cells, this.#gemm);
    return { cells, nprobe };
  }

  /** {@link GreedyClusterer.#probe} on an asynchronous matrix product. */
  async #probeAsync(
    input: ClusterInput,
    ids: Int32Array,
    gemm: AsyncGemmProvider,
  ): Promise<{ cells: Int32Array; nprobe: number }> {
    const { nprobe, nlist, faces, seed } = this.#probeShape(input);
    const dim = input.faceDim;
    if (faces === 0) return { cells: new Int32Array(ids.length * nprobe).fill(-1), nprobe };
    if (!this.#quantizer) {
      this.#useQuantizer(
        await trainCoarseQuantizerAsync(input.face.subarray(0, faces * dim), dim, { nlist, seed, gemm }),
      );
    }
    const cells = new Int32Array(ids.length * nprobe);
    await nearestCellsAsync(this.#quantizer!, gatherFaces(input, ids), ids.length, nprobe, cells, gemm);
    return { cells, nprobe };
  }

  #probeShape(input: ClusterInput): { nprobe: number; nlist: number; faces: number; seed: number } {
    const search = this.#search as Extract<CandidateSearch, { kind: "ivf" }>;
    const nprobe = search.nprobe ?? 32;
    const faces = Math.floor(input.face.length / Math.max(1, input.faceDim));
    const nlist = search.nlist ?? Math.min(defaultNlist(faces, nprobe), MAX_CELLS_PER_PROBE * nprobe);
    return { nprobe, nlist, faces, seed: search.seed ?? 1 };
  }

  #useQuantizer(q: CoarseQuantizer): void {
    this.#quantizer = q;
    this.#lists = new InvertedLists(q.nlist);
  }

  #grow(): void {
    const cap = this.#cap * 2;
    this.#faceSum = grow(this.#faceSum, cap * this.faceDim);
    this.#faceNorm = grow(this.#faceNorm, cap);
    this.#faceCount = growI(this.#faceCount, cap, 0);
    this.#dirtyAt = growI(this.#dirtyAt, cap, -1);
    const nt = new Float64Array(cap).fill(NaN);
    nt.set(this.#tDist);
    this.#tDist = nt;
    this.#cap = cap;
  }

  #addBody(c: number, mkey: number, body: Float32Array, br: number): void {
    const bodyDim = this.bodyDim;
    let e = this.#byMoment.get(mkey);
    if (!e) this.#byMoment.set(mkey, e = { cluster: [], slot: [] });
    let q = e.cluster.indexOf(c);
    if (q < 0) {
      if ((this.#bodyPoolSize + 1) * bodyDim > this.#bodyPool.length) {
        this.#bodyPool = grow(this.#bodyPool, this.#bodyPool.length * 2);
        this.#bodyPoolNorm = grow(this.#bodyPoolNorm, this.#bodyPoolNorm.length * 2);
      }
      e.cluster.push(c);
      e.slot.push(this.#bodyPoolSize++);
      q = e.cluster.length - 1;
    }
    const slot = e.slot[q]!, so = slot * bodyDim, bo = br * bodyDim;
    let s2 = 0;
    for (let j = 0; j < bodyDim; j++) {
      const v = this.#bodyPool[so + j]! + body[bo + j]!;
      this.#bodyPool[so + j] = v;
      s2 += v * v;
    }
    this.#bodyPoolNorm[slot] = Math.sqrt(s2);
  }

  /** The clustering so far (observations not processed yet have label −1 and belong to no member list). */
  result(): GreedyResult {
    const k = this.#k, faceDim = this.faceDim, labels = this.#labels.slice();
    const memberStart = new Int32Array(k + 1);
    for (const o of this.#order) memberStart[labels[o]! + 1]!++;
    for (let c = 0; c < k; c++) memberStart[c + 1]! += memberStart[c]!;
    const fill = memberStart.slice(0, k);
    const members = new Int32Array(this.#order.length);
    for (const o of this.#order) members[fill[labels[o]!]!++] = o;
    const faceMeans = new Float32Array(k * faceDim);
    for (let c = 0; c < k; c++) {
      if (this.#faceCount[c] === 0) continue;
      const inv = 1 / this.#faceNorm[c]!;
      for (let j = 0; j < faceDim; j++) faceMeans[c * faceDim + j] = this.#faceSum[c * faceDim + j]! * inv;
    }
    return {
      labels,
      clusters: k,
      memberStart,
      members,
      faceMeans,
      faceCount: this.#faceCount.slice(0, k),
      comparisons: this.#comparisons,
    };
  }
}

/** The faces of `ids` as rows, in the order of `ids` (a zero row where there is no face). */
function gatherFaces(input: ClusterInput, ids: Int32Array): Float32Array {
  const dim = input.faceDim, rows = new Float32Array(ids.length * dim);
  for (let p = 0; p < ids.length; p++) {
    const fr = input.faceRow[ids[p]!]!;
    if (fr >= 0) rows.set(input.face.subarray(fr * dim, fr * dim + dim), p * dim);
  }
  return rows;
}

function grow(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

function growInt(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

function growI(a: Int32Array, size: number, fill: number): Int32Array {
  const b = new Int32Array(size).fill(fill);
  b.set(a);
  return b;
}

/** Checks shapes and row indices once at the boundary. */
export function validateInput(input: ClusterInput, order: Int32Array): void {
  if (order.length !== input.n) checkShapes(input);
  if (order.length !== input.n) throw new RangeError(`order has ${order.length} entries, expected ${input.n}`);
  checkInput(input, order, true);
}

function checkShapes(input: ClusterInput): void {
  const { n, faceRow, bodyRow, moment } = input;
  if (faceRow.length !== n || bodyRow.length !== n || moment.length !== n) {
    throw new TypeError(`faceRow, bodyRow and moment must have n = ${n} entries`);
  }
}

/** Shapes, distinct ids in range (all of them when `permutation`), and the rows of those ids. */
function checkInput(input: ClusterInput, ids: Int32Array, permutation: boolean): void {
  checkShapes(input);
  const { n, face, faceDim, faceRow, body, bodyDim, bodyRow } = input;
  const seen = new Uint8Array(n);
  for (const o of ids) {
    if (!(o >= 0 && o < n) || seen[o]) {
      throw new RangeError(
        permutation ? `order is not a permutation of 0..${n - 1}` : `ids are not distinct observations of 0..${n - 1}`,
      );
    }
    seen[o] = 1;
  }
  const faces = faceDim > 0 ? face.length / faceDim : 0;
  const bodies = body && bodyDim > 0 ? body.length / bodyDim : 0;
  for (const i of ids) {
    if (faceRow[i]! >= faces) throw new RangeError(`observation ${i}: face row ${faceRow[i]} ≥ ${faces} faces`);
    if (bodyRow[i]! >= 0 && body && bodyRow[i]! >= bodies) {
      throw new RangeError(`observation ${i}: body row ${bodyRow[i]} ≥ ${bodies} bodies`);
    }
  }
}
