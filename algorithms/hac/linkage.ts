/**
 * The linkage table: the one list of linkages. Each entry gives its rule (a Lance–Williams update rule
 * and/or the linkage from member pairs), whether it is reducible, the merge loops that run it (the first is
 * `auto`'s choice) and a one-line description; the `Linkage` type, the CLI help, the benchmark variants
 * and `hac()`'s dispatch all derive from it. Adding a linkage is one entry here plus its implementation
 * file (README, "Adding a variant").
 * @module
 */
import { type LanceWilliamsRule, type LanceWilliamsUpdate, lanceWilliamsUpdate } from "./lance_williams.ts";
import type { BoundedPairLinkage, PairLinkage } from "./pair_context.ts";
import { pairMax, pairMean, pairMin } from "./pair_linkages.ts";
import { pairMedian, pairMedianBounded } from "./median.ts";
import { pairMedianSampled } from "./median_sampled.ts";

export type { LanceWilliamsRule, LanceWilliamsUpdate } from "./lance_williams.ts";
export {
  type BoundedPairLinkage,
  type PairContext,
  type PairLinkage,
  type PairSource,
  pairSource,
} from "./pair_context.ts";

/** Merge loops (see `HacOptions.algorithm`); `auto` takes the first loop of the linkage's entry. */
export type Algorithm = "auto" | "nn-chain" | "rnn-batch" | "sweep" | "generic";

/** Every {@link Algorithm}, for option parsers. */
export const ALGORITHMS: readonly Algorithm[] = ["auto", "nn-chain", "rnn-batch", "sweep", "generic"];

/** A merge loop (an {@link Algorithm} other than `auto`). */
export type MergeLoop = Exclude<Algorithm, "auto">;

/** One entry of the linkage table. */
export interface LinkageSpec {
  /** Reducible: D(A∪B, C) ≥ min(D(A, C), D(B, C)) — NN-chain/RNN exact, heights monotone, lazy bounds valid. */
  readonly reducible: boolean;
  /**
   * Merge loops that run the linkage, `auto`'s choice first: `rnn-batch` and `nn-chain` need
   * `lanceWilliamsRule`; `sweep` needs `sweep`; `generic` needs only `pairs` (reducible linkages get the lazy
   * loop, the others the eager one).
   */
  readonly algorithms: readonly MergeLoop[];
  /** The rule as an in-place matrix update (0 = min, 1 = max, 2 = size-weighted mean), when it has one. */
  readonly lanceWilliamsRule?: LanceWilliamsRule;
  /** The rule from member pairs (always: the generic loops and the tests use it). */
  readonly pairs: PairLinkage;
  /** A cheaper {@link pairs} for callers that need the value only below a cut-off (the lazy loop). */
  readonly pairsBounded?: BoundedPairLinkage;
  /** The sweep's pair counters: over all members (exact median) or over each cluster's sampled representatives. */
  readonly sweep?: "members" | "representatives";
  /** One line for `pb variants` and `--help`. */
  readonly description: string;
}

const TABLE = {
  single: {
    reducible: true,
    algorithms: ["rnn-batch", "nn-chain"],
    lanceWilliamsRule: 0,
    pairs: pairMin,
    description: "minimum pair distance (batched RNN or NN-chain, exact)",
  },
  complete: {
    reducible: true,
    algorithms: ["rnn-batch", "nn-chain"],
    lanceWilliamsRule: 1,
    pairs: pairMax,
    description: "maximum pair distance (batched RNN or NN-chain, exact)",
  },
  average: {
    reducible: true,
    algorithms: ["rnn-batch", "nn-chain"],
    lanceWilliamsRule: 2,
    pairs: pairMean,
    description: "mean pair distance, UPGMA (batched RNN or NN-chain, exact)",
  },
  median: {
    reducible: true,
    algorithms: ["sweep", "generic"],
    pairs: pairMedian,
    pairsBounded: pairMedianBounded,
    sweep: "members",
    description: "exact median of all member-pair distances (reducible; one distance sweep with pair counters)",
  },
  "median-sampled": {
    reducible: false,
    algorithms: ["sweep", "generic"],
    pairs: pairMedianSampled,
    sweep: "representatives",
    description: "median over ⌈√S⌉+ seeded random members of each cluster larger than that, else exact " +
      "(not reducible: inversions counted; the distance sweep)",
  },
} as const satisfies Record<string, LinkageSpec>;

/** Linkage ids, as the CLI and the harness spell them (the keys of the linkage table). */
export type Linkage = keyof typeof TABLE;

/** Every linkage id, in table order. */
export const LINKAGE_IDS: readonly Linkage[] = Object.keys(TABLE) as Linkage[];

/** A linkage table entry with its id and the derived NN-chain update. */
export interface LinkageStrategy extends LinkageSpec {
  /** Table key, as the CLI spells it. */
  readonly id: Linkage;
  /** The in-place update for the NN-chain, when the linkage has a Lance–Williams rule. */
  readonly lanceWilliams: LanceWilliamsUpdate | null;
}

/** The linkage table by id (read-only). */
export const LINKAGES: ReadonlyMap<Linkage, LinkageStrategy> = new Map(
  LINKAGE_IDS.map((id) => {
    const spec: LinkageSpec = TABLE[id];
    checkSpec(id, spec);
    const rule = spec.lanceWilliamsRule;
    return [id, { ...spec, id, lanceWilliams: rule === undefined ? null : lanceWilliamsUpdate(rule) }];
  }),
);

/** An entry's loops must have what they need (caught when the module loads, i.e. by any test). */
function checkSpec(id: string, spec: LinkageSpec): void {
  for (const loop of spec.algorithms) {
    const missing = (loop === "rnn-batch" || loop === "nn-chain") && spec.lanceWilliamsRule === undefined
      ? "lanceWilliamsRule"
      : loop === "sweep" && spec.sweep === undefined
      ? "sweep"
      : null;
    if (missing) throw new Error(`linkage table: "${id}" lists the ${loop} loop but has no ${missing}`);
    if (!ALGORITHMS.includes(loop) || loop === ("auto" as string)) {
      throw new Error(`linkage table: "${id}" lists an unknown loop "${loop}"`);
    }
  }
  if (spec.algorithms.length === 0) throw new Error(`linkage table: "${id}" lists no merge loop`);
}

/**
 * Looks up a linkage.
 * @param id linkage id
 * @returns its table entry
 * @throws {RangeError} for an unknown id, listing the known ones
 */
export function getLinkage(id: string): LinkageStrategy {
  const s = LINKAGES.get(id as Linkage);
  if (!s) throw new RangeError(`unknown linkage "${id}" (known: ${LINKAGE_IDS.join(", ")})`);
  return s;
}

/**
 * The merge loop that runs a linkage.
 * @param strategy the linkage
 * @param algorithm the loop asked for (`auto`: the entry's first)
 * @returns the loop
 * @throws {RangeError} for an unknown algorithm or one that does not run this linkage
 */
export function mergeLoopFor(strategy: LinkageStrategy, algorithm: Algorithm): MergeLoop {
  if (!ALGORITHMS.includes(algorithm)) {
    throw new RangeError(`algorithm must be one of ${ALGORITHMS.join(", ")}, got ${JSON.stringify(algorithm)}`);
  }
  if (algorithm === "auto") return strategy.algorithms[0]!;
  if (!strategy.algorithms.includes(algorithm)) {
    throw new RangeError(
      `algorithm "${algorithm}" does not run linkage "${strategy.id}" (it runs: ${strategy.algorithms.join(", ")})`,
    );
  }
  return algorithm;
}
