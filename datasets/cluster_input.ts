/**
 * Adapts a dataset to the clustering algorithms' typed-array input.
 * @module
 */
import type { ClusterInput } from "../algorithms/clustering/greedy.ts";
import { timeOrder, type UntimedOrder } from "../algorithms/clustering/order.ts";
import { DataFileError } from "../base/errors.ts";
import type { Dataset } from "./format.ts";
import { readNpy } from "./npy.ts";

/**
 * Builds a {@link ClusterInput} from a dataset, with the first pass's default order: capture time
 * ascending (ties by observation id), then the observations without a time in an order shuffled with `seed` —
 * never their row order, which may be sorted by identity (see `algorithms/clustering/order.ts`).
 *
 * @param dataset a dataset read by `readDataset`
 * @param options seed of the shuffle of rows without a time [0]; `untimed: "file"` keeps those rows in file order
 *   instead (the order before issue 12, to reproduce older results) [shuffled]
 * @returns the clustering input (views of the dataset's arrays, no copies of embeddings)
 */
export function clusterInputFromDataset(
  dataset: Dataset,
  options: { seed?: number; untimed?: UntimedOrder } = {},
): ClusterInput {
  const o = dataset.observations;
  const n = o.n;
  return {
    n,
    face: dataset.face,
    faceDim: dataset.manifest.face.dim,
    faceRow: o.faceRow,
    body: dataset.body,
    bodyDim: dataset.manifest.body?.dim ?? 0,
    bodyRow: o.bodyRow,
    moment: o.moment,
    order: timeOrder(o.time, options.seed ?? 0, options.untimed),
  };
}

/** A bare embedding matrix read from `.npy`. */
export interface EmbeddingMatrix {
  /** n × dim float32 unit rows. */
  vectors: Float32Array;
  /** Number of rows. */
  n: number;
  /** Row length. */
  dim: number;
  /** Rows that were not unit length and were L2-normalised on reading. */
  normalizedRows: number;
}

/**
 * Reads an n × d float32/float64 `.npy` of embeddings for clustering: rows must be finite and non-zero;
 * rows that are not unit length are L2-normalised (and counted, so callers can report it).
 *
 * @param path the `.npy` file
 * @param expectedDim when given, the required row length
 * @returns float32 unit rows
 * @throws {DataFileError} naming the file: wrong dtype or shape, dimension mismatch, NaN/Inf or zero row
 */
export async function readEmbeddingMatrix(path: string, expectedDim?: number): Promise<EmbeddingMatrix> {
  const a = await readNpy(path);
  if (a.dtype !== "float32" && a.dtype !== "float64") {
    throw new DataFileError(path, `dtype is ${a.dtype}, expected float32 or float64`);
  }
  if (a.shape.length !== 2) {
    throw new DataFileError(path, `expected a 2-D array (rows × dim), got shape (${a.shape.join(", ")})`);
  }
  const [n, dim] = a.shape as [number, number];
  if (expectedDim !== undefined && dim !== expectedDim) {
    throw new DataFileError(path, `rows have dimension ${dim}, expected ${expectedDim}`);
  }
  if (dim < 1) throw new DataFileError(path, "rows have dimension 0");
  const src = a.data as Float32Array | Float64Array;
  const vectors = new Float32Array(n * dim);
  let normalizedRows = 0;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = r * dim; k < (r + 1) * dim; k++) {
      const v = src[k]!;
      if (!Number.isFinite(v)) throw new DataFileError(path, `row ${r} contains ${Number.isNaN(v) ? "NaN" : "Inf"}`);
      s += v * v;
    }
    if (s === 0) throw new DataFileError(path, `row ${r} is all zeros (no direction to compare)`);
    const norm = Math.sqrt(s);
    const scale = Math.abs(norm - 1) > 1e-4 ? 1 / norm : 1;
    if (scale !== 1) normalizedRows++;
    for (let k = r * dim; k < (r + 1) * dim; k++) vectors[k] = src[k]! * scale;
  }
  return { vectors, n, dim, normalizedRows };
}
