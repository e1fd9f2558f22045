/**
 * `pb assign`: recognise query faces against a gallery (centroid | exemplar | knn | sparse | crc).
 * @module
 */
import { assignmentMethodIds } from "../../algorithms/assignment/methods.ts";
import { LASSO_SOLVERS } from "../../algorithms/assignment/lasso/mod.ts";
import { EXEMPLAR_STRATEGIES } from "../../algorithms/gallery/exemplars.ts";
import { type AssignReport, runAssign } from "../../benchmarks/assign_eval.ts";
import { choice, type Command, flag, num, optNum, optStr, str } from "../command.ts";
import { dedent } from "../help.ts";

function f(x: number, digits = 4): string {
  return Number.isNaN(x) ? "n/a" : x.toFixed(digits);
}

/** Human-readable summary of an {@link AssignReport}. */
export function assignSummary(r: AssignReport): string {
  return [
    `method ${r.method}: gallery ${r.gallery.persons} persons / ${r.gallery.atoms} exemplars (${r.gallery.labels})`,
    `queries ${r.queries.faces} faces: ${r.queries.known} known, ${r.queries.unknown} unknown, ${r.queries.unlabelled} unlabelled`,
    `top-1 accuracy (known) ${f(r.accuracy)}; with the threshold: accepted-correct ${
      f(r.acceptedCorrectRate)
    }, false accepts ${f(r.falseAcceptRate)}`,
    `open set: ROC AUC ${f(r.openSet.auc)}, TPR at ${r.openSet.far * 100}% FAR ${f(r.openSet.tprAtFar)} (threshold ${
      f(r.openSet.threshold)
    })`,
    `latency: prepare ${f(r.latencyMs.prepare, 1)} ms, per query median ${f(r.latencyMs.perQueryMedian, 4)} ms, p95 ${
      f(r.latencyMs.perQueryP95, 4)
    } ms`,
    ...(r.out ? [`wrote ${r.out}`] : []),
  ].join("\n");
}

/** The `pb assign` command. */
export const assignCommand: Command = {
  name: "assign",
  summary: "recognise faces against a gallery: centroid | exemplar | knn | sparse | crc, with unknowns",
  usage:
    "--gallery DIR [--gallery-labels FILE] --queries DIR --method M [--exemplars C] [--lambda L] [--unknown-threshold U] [--out FILE] [--json]",
  description: dedent`
    The gallery is a dataset plus labels: by default its identity column (one person per identity), or
    --gallery-labels FILE, a clustering's labels (\`id,cluster\` CSV such as a run's labels.csv, or .npy);
    label −1 rows stay out of the gallery. Each person keeps up to C exemplars (--exemplar-strategy).
    Every face of --queries (may be the same folder) is assigned one at a time (latency per query).
    assignments.csv: id,person,score — person is the identity name (identity gallery; empty = unknown)
    or the cluster id (cluster gallery; −1 = unknown); score is the method's confidence (higher = surer).
    Scores: cosine similarity (centroid, exemplar), Σcos of the winning voters / k (knn), explained
    fraction 1 − ‖y − D_p x_p‖²/‖y‖² of the winner (sparse by default, crc), or the winner's energy share
    (--score share). Truth: a query is known when its identity is a gallery person's (for clusters: the
    cluster's majority identity), unknown when it is another identity.
  `,
  options: {
    gallery: { type: "string", value: "DIR", help: "gallery dataset folder" },
    "gallery-labels": {
      type: "string",
      value: "FILE",
      help: "gallery labels (id,cluster CSV or .npy) [the identity column]",
    },
    queries: { type: "string", value: "DIR", help: "query dataset folder (may equal --gallery)" },
    method: { type: "string", value: "M", help: `${assignmentMethodIds().join(" | ")}` },
    exemplars: { type: "string", value: "C", help: "exemplars per person, 0 = all members [5]" },
    "exemplar-strategy": { type: "string", value: "S", help: `${EXEMPLAR_STRATEGIES.join(" | ")} [kmedoids]` },
    lambda: { type: "string", value: "L", help: "λ: sparse ℓ1 weight [0.1], crc ridge weight [1]" },
    k: { type: "string", value: "K", help: "knn neighbours [5]" },
    "unknown-threshold": { type: "string", value: "U", help: "scores below U are unknown [none: closed set]" },
    energy: { type: "string", value: "E", help: "sparse per-person energy: l1 (Σ|x|) | l2 (Σx²) [l1]" },
    score: { type: "string", value: "S", help: "sparse score: explained | share [explained]" },
    solver: { type: "string", value: "S", help: `sparse solver: ${LASSO_SOLVERS.join(" | ")} [cd]` },
    seed: { type: "string", value: "N", help: "seed of the exemplar choice [0]" },
    out: { type: "string", value: "FILE", help: "write id,person,score CSV" },
    json: { type: "boolean", help: "print the report as JSON" },
  },
  async run(args) {
    const methods = assignmentMethodIds();
    const report = await runAssign({
      galleryDir: str(args, "gallery"),
      galleryLabels: optStr(args, "gallery-labels"),
      queriesDir: str(args, "queries"),
      method: choice(args, "method", methods),
      exemplars: num(args, "exemplars", 5, { min: 0, integer: true }),
      strategy: choice(args, "exemplar-strategy", EXEMPLAR_STRATEGIES, "kmedoids"),
      seed: num(args, "seed", 0, { integer: true }),
      params: {
        lambda: optNum(args, "lambda", { min: 0 }),
        k: optNum(args, "k", { min: 1, integer: true }),
        unknownThreshold: optNum(args, "unknown-threshold"),
        energy: args.values.energy === undefined ? undefined : choice(args, "energy", ["l1", "l2"] as const),
        score: args.values.score === undefined ? undefined : choice(args, "score", ["explained", "share"] as const),
        solver: args.values.solver === undefined ? undefined : choice(args, "solver", LASSO_SOLVERS),
      },
      out: optStr(args, "out"),
    });
    console.log(flag(args, "json") ? JSON.stringify(report, null, 2) : assignSummary(report));
  },
};
