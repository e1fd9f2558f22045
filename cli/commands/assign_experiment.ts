/**
 * `pb assign-experiment`: the three assignment experiments of issue 5, one command each.
 * @module
 */
import { ASSIGN_EXPERIMENTS, experimentMarkdown, runAssignExperiment } from "../../benchmarks/assign_experiments.ts";
import { readDataset } from "../../datasets/io.ts";
import { writeFileAtomic } from "../../base/atomic.ts";
import { UsageError } from "../../base/errors.ts";
import { type Command, flag, num, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

/** The `pb assign-experiment` command. */
export const assignExperimentCommand: Command = {
  name: "assign-experiment",
  summary: "assignment experiments: small-clusters | split-identity | open-set (tables with bootstrap CIs)",
  usage: "small-clusters|split-identity|open-set --data DIR [--seed N] [--resamples R] [--max-queries Q] [--json FILE]",
  positionals: true,
  description: dedent`
    small-clusters: 2, 3, 5, 10 exemplars per person — top-1 of centroid, exemplar, knn, sparse, crc.
    split-identity: one identity split over two gallery entries (2-means), in turn for --splits identities.
    open-set: a third of the identities held out as unknown — ROC AUC and TPR at 1% FAR.
    Intervals: 95% percentile bootstrap over identities (seeded). Prints a Markdown table.
  `,
  options: {
    data: { type: "string", value: "DIR", help: "dataset folder with an identity column" },
    seed: { type: "string", value: "N", help: "seed of the splits and the bootstrap [0]" },
    resamples: { type: "string", value: "R", help: "bootstrap resamples [1000]" },
    "max-queries": { type: "string", value: "Q", help: "queries per identity at most [50]" },
    splits: { type: "string", value: "S", help: "split-identity: identities split in turn [30]" },
    "sparse-lambda": { type: "string", value: "L", help: "λ of the sparse method [0.1]" },
    "crc-lambda": { type: "string", value: "L", help: "λ of the crc method [1]" },
    json: { type: "string", value: "FILE", help: "also write the result as JSON" },
    quiet: { type: "boolean", help: "no progress lines" },
  },
  async run(args) {
    const name = args.positionals[0];
    if (args.positionals.length !== 1 || !ASSIGN_EXPERIMENTS.includes(name as never)) {
      throw new UsageError(`give one experiment: ${ASSIGN_EXPERIMENTS.join(" | ")}`);
    }
    const ds = await readDataset(str(args, "data"));
    const quiet = flag(args, "quiet");
    const result = runAssignExperiment(name as (typeof ASSIGN_EXPERIMENTS)[number], ds, {
      seed: num(args, "seed", 0, { integer: true }),
      resamples: num(args, "resamples", 1000, { min: 10, integer: true }),
      maxQueries: num(args, "max-queries", 50, { min: 1, integer: true }),
      splits: num(args, "splits", 30, { min: 1, integer: true }),
      sparseLambda: num(args, "sparse-lambda", 0.1, { min: 0 }),
      crcLambda: num(args, "crc-lambda", 1, { min: 0 }),
      log: quiet ? undefined : (l) => console.error(l),
    });
    const json = optStr(args, "json");
    if (json) await writeFileAtomic(json, JSON.stringify(result, null, 2) + "\n");
    console.log(experimentMarkdown(result));
  },
};
