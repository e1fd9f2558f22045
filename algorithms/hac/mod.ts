/** Hierarchical agglomerative clustering: linkages, merge loops (NN-chain, RNN rounds, median sweep, generic), cuts. @module */
export {
  type Algorithm,
  ALGORITHMS,
  type Components,
  connectedComponents,
  DENSE_LIMIT,
  hac,
  hacAsync,
  type HacOptions,
  type HacResult,
  SPARSE_EDGE_MARGIN,
} from "./hac.ts";
export { canonicalLabels, countClusters, cutDendrogram, toScipyLinkage } from "./dendrogram.ts";
export {
  getLinkage,
  type LanceWilliamsUpdate,
  type Linkage,
  LINKAGES,
  type LinkageStrategy,
  type PairContext,
  type PairLinkage,
  type PairSource,
  pairSource,
  registerLinkage,
} from "./linkage.ts";
export { medianInPlace, quickselect } from "./select.ts";
