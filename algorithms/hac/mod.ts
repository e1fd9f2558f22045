/** Hierarchical agglomerative clustering: linkages, merge loops (NN-chain, RNN rounds, median sweep, generic), cuts. @module */
export {
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
  type Algorithm,
  ALGORITHMS,
  getLinkage,
  type LanceWilliamsUpdate,
  type Linkage,
  LINKAGE_IDS,
  LINKAGES,
  type LinkageSpec,
  type LinkageStrategy,
  type MergeLoop,
  mergeLoopFor,
  type PairContext,
  type PairLinkage,
  type PairSource,
  pairSource,
} from "./linkage.ts";
export { newPairContext } from "./pair_context.ts";
export { pairMedianSampled, representatives } from "./median_sampled.ts";
export { quickselect } from "./select.ts";
