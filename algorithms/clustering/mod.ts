/** Two-pass clustering: greedy first pass on fused distances, then HAC on faces. @module */
export { type ClusterInput, greedyFirstPass, type GreedyOptions, type GreedyResult } from "./greedy.ts";
export {
  observationLabels,
  type SecondPassInput,
  secondPassInput,
  twoPassCluster,
  type TwoPassOptions,
  type TwoPassResult,
} from "./two_pass.ts";
