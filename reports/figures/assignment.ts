/**
 * Figure 4: sparse coding vs centroid vs exemplar vs CRC (and kNN), top-1 accuracy by exemplars per person,
 * mean over seeds and repeats with a 95% bootstrap interval (the harness's, over identities, when stored).
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import {
  ASSIGN_METHODS,
  captionTail,
  exemplarsOf,
  experimentsOf,
  focusExperiment,
  groupConfigs,
  groupLabels,
  methodOf,
  pickMetric,
} from "../select.ts";
import { bootstrapMeanCi, mean } from "../stats.ts";

const METRICS = ["top1", "accuracy"] as const;

/** Builds figure 4 from result records. */
export function assignmentFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "assignment-exemplars", number: 4, title: "Assignment accuracy by exemplars per person" };
  const ok = records.filter((r) => r.status === "ok" && methodOf(r) !== null && exemplarsOf(r) !== null);
  const metric = pickMetric(ok, METRICS);
  const focus = focusExperiment(
    metric === null ? [] : ok.filter((r) => metric in r.metrics),
    (r) => `${methodOf(r)}|${exemplarsOf(r)}`,
    "assignment-exemplars",
  );
  const usable = focus.records;
  if (metric === null || usable.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs of an `assign` stage (method sparse, centroid, exemplar, crc, knn: the variant id or " +
        "param `method`) with param `exemplars` and metric `top1`",
    };
  }
  const groups = groupConfigs(usable, ["exemplars", "exemplars_per_person", "c"]).sort((a, b) =>
    rank(a.dims["method"]) - rank(b.dims["method"])
  );
  const labels = groupLabels(groups, ["method"]);
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  groups.forEach((g, gi) => {
    const byC = new Map<number, ResultRecord[]>();
    for (const r of g.records) {
      const c = exemplarsOf(r)!;
      byC.set(c, [...(byC.get(c) ?? []), r]);
    }
    const xs = [...byC.keys()].sort((a, b) => a - b);
    const ys = xs.map((c) => mean(byC.get(c)!.map((r) => r.metrics[metric]!)));
    // The harness's interval over identities (`<metric>.ci_low/.ci_high`) when stored; else a bootstrap over runs.
    const cis = xs.map((c, i): [number, number, string] => {
      const rs = byC.get(c)!;
      const lo = rs.map((r) => r.metrics[`${metric}.ci_low`]);
      const hi = rs.map((r) => r.metrics[`${metric}.ci_high`]);
      if (lo.every((v) => v !== undefined) && hi.every((v) => v !== undefined)) {
        return [mean(lo as number[]), mean(hi as number[]), "identities"];
      }
      const [a, b] = bootstrapMeanCi(rs.map((r) => r.metrics[metric]!), { seed: 1000 + i });
      return [a, b, "runs"];
    });
    xs.forEach((c, i) => rows.push([labels[gi]!, c, ys[i]!, cis[i]![0], cis[i]![1], byC.get(c)!.length, cis[i]![2]]));
    const m = g.dims["method"];
    const ci = m === undefined ? -1 : ASSIGN_METHODS.indexOf(m as typeof ASSIGN_METHODS[number]);
    const col = colour(ci >= 0 ? ci : ASSIGN_METHODS.length + gi);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      x: xs,
      y: ys,
      name: labels[gi],
      line: { color: col, width: 2 },
      marker: { color: col, size: 8 },
      error_y: {
        type: "data",
        symmetric: false,
        array: ys.map((y, i) => cis[i]![1] - y),
        arrayminus: ys.map((y, i) => y - cis[i]![0]),
        color: col,
        thickness: 1.2,
        width: 4,
      },
    });
  });
  return {
    kind: "figure",
    ...base,
    caption: `Top-1 identity accuracy (${metric}) of each assignment method against the number of exemplars per ` +
      `person in the gallery, experiment ${focus.experiment}; mean over seeds and repeats; bars: 95% ` +
      `bootstrap interval (over identities, from the harness, or over runs when absent). ` +
      captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("exemplars per person", `${metric} accuracy`, {
      xaxis: { tickmode: "array", tickvals: [...new Set(rows.map((row) => row[1]))] },
    }),
    table: { columns: ["method", "exemplars", "mean", "ci_low", "ci_high", "runs", "interval_over"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}

function rank(m: string | undefined): number {
  const i = m === undefined ? -1 : ASSIGN_METHODS.indexOf(m as typeof ASSIGN_METHODS[number]);
  return i >= 0 ? i : ASSIGN_METHODS.length;
}
