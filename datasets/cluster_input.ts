/**
 * Adapts a dataset to the clustering algorithms' typed-array input.
 * @module
 */
import type { ClusterInput } from "../algorithms/clustering/greedy.ts";
import type { Dataset } from "./format.ts";

/**
 * Builds a {@link ClusterInput} from a dataset, with the first pass's default order: capture time
 * ascending (unknown times last), ties by observation id.
 *
 * @param dataset a dataset read by `readDataset`
 * @returns the clustering input (views of the dataset's arrays, no copies of embeddings)
 */
export function clusterInputFromDataset(dataset: Dataset): ClusterInput {
  const o = dataset.observations;
  const n = o.n;
  const time = o.time;
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => {
    const ta = time[a]!, tb = time[b]!;
    const na = Number.isNaN(ta), nb = Number.isNaN(tb);
    if (na !== nb) return na ? 1 : -1;
    if (!na && ta !== tb) return ta - tb;
    return a - b;
  });
  return {
    n,
    face: dataset.face,
    faceDim: dataset.manifest.face.dim,
    faceRow: o.faceRow,
    body: dataset.body,
    bodyDim: dataset.manifest.body?.dim ?? 0,
    bodyRow: o.bodyRow,
    moment: o.moment,
    order: Int32Array.from(idx),
  };
}
