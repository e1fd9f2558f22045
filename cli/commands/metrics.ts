/**
 * `pb metrics`: scores predicted clusters against ground truth.
 * @module
 */
import { type ClusteringMetrics, clusteringMetrics, subgroupMetrics } from "../../algorithms/metrics/mod.ts";
import { readDataset } from "../../datasets/io.ts";
import { readLabels } from "../../datasets/labels.ts";
import { DataFileError, UsageError } from "../../base/errors.ts";
import { type Command, flag, optStr } from "../command.ts";
import { dedent } from "../help.ts";

function row(label: string, m: ClusteringMetrics): string {
  const f = (x: number) => (Number.isNaN(x) ? "  n/a " : x.toFixed(4));
  return [
    label.padEnd(22),
    String(m.n).padStart(7),
    f(m.pairwise.precision),
    f(m.pairwise.recall),
    f(m.pairwise.f1),
    f(m.bcubed.precision),
    f(m.bcubed.recall),
    f(m.bcubed.f1),
    f(m.ari),
    f(m.nmi),
    String(m.clusters).padStart(8),
  ].join("  ");
}

/** Formats metrics as an aligned text table, one row per label. */
export function metricsTable(rows: [string, ClusteringMetrics][]): string {
  const head = [
    "".padEnd(22),
    "n".padStart(7),
    "pw-P  ",
    "pw-R  ",
    "pw-F  ",
    "bc-P  ",
    "bc-R  ",
    "bc-F  ",
    "ARI   ",
    "NMI   ",
    "clusters",
  ].join("  ");
  return [head, ...rows.map(([l, m]) => row(l, m))].join("\n");
}

/** The `pb metrics` command. */
export const metricsCommand: Command = {
  name: "metrics",
  summary: "score predicted clusters against ground truth (pairwise, BCubed, ARI, NMI, per subgroup)",
  usage: "--pred FILE (--true FILE | --data DIR) [--data DIR] [--json]",
  description: dedent`
    FILE is an int32/int64 .npy vector or a CSV with an id column and a label column (cluster, label,
    identity or person; integers, or names that are coded in order of appearance).
    Label −1 in --pred means unclustered (each such observation is its own singleton);
    label −1 (or an empty identity) in the truth means unknown (left out of every metric).
    With --data, the truth defaults to the dataset's identity column and a per-subgroup breakdown
    is given for every attribute column of the dataset.
  `,
  options: {
    pred: { type: "string", value: "FILE", help: "predicted labels (.npy or id,cluster CSV)" },
    true: { type: "string", value: "FILE", help: "true labels (.npy or id,cluster CSV) [the dataset's identities]" },
    data: { type: "string", value: "DIR", help: "dataset folder, for identities and subgroup attributes" },
    json: { type: "boolean", help: "print JSON instead of a table" },
  },
  async run(args) {
    const predPath = optStr(args, "pred");
    if (!predPath) throw new UsageError("missing required option --pred");
    const truePath = optStr(args, "true"), dataDir = optStr(args, "data");
    if (!truePath && !dataDir) throw new UsageError("give --true FILE or --data DIR for the ground truth");
    const pred = await readLabels(predPath);
    const dataset = dataDir ? await readDataset(dataDir) : undefined;
    const truth = truePath ? await readLabels(truePath) : dataset!.observations.identity.codes;
    if (pred.length !== truth.length) {
      throw new DataFileError(predPath, `has ${pred.length} labels, the truth has ${truth.length}`);
    }
    const overall = clusteringMetrics(pred, truth);
    const groups = dataset
      ? [...dataset.observations.attributes].flatMap(([name, col]) =>
        subgroupMetrics(pred, truth, name, col.codes, col.values)
      )
      : [];
    if (flag(args, "json")) {
      const out: Record<string, unknown> = { ...overall };
      if (groups.length > 0) {
        out.subgroups = groups.map((g) => ({ attribute: g.attribute, group: g.group, ...g.metrics }));
      }
      console.log(JSON.stringify(out, null, 2));
    } else {
      console.log(metricsTable([
        ["all", overall],
        ...groups.map((g) =>
          [`${g.attribute}=${g.group}`, g.metrics] as [
            string,
            ClusteringMetrics,
          ]
        ),
      ]));
    }
  },
};
