/**
 * Figure 3: accuracy against latency across variants and backends, one point per configuration (mean
 * accuracy, median wall time over repeats and seeds), with the Pareto front of each dataset.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { ACCURACY_METRICS, captionTail, experimentsOf, groupConfigs, groupLabels, pickMetric } from "../select.ts";
import { mean, median, paretoFront, uniqueSorted } from "../stats.ts";

const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down"];

/** Builds figure 3 from result records. */
export function paretoFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "pareto", number: 3, title: "Accuracy against latency (Pareto front)" };
  const ok = records.filter((r) => r.status === "ok" && r.timings.wall_s > 0);
  const metric = pickMetric(ok, ACCURACY_METRICS);
  const usable = metric === null ? [] : ok.filter((r) => metric in r.metrics);
  const groups = groupConfigs(usable);
  if (metric === null || groups.length < 2) {
    return {
      kind: "missing",
      ...base,
      needs: `successful runs of at least two configurations with an accuracy metric (one of ${
        ACCURACY_METRICS.join(", ")
      }) and a measured timings.wall_s`,
    };
  }
  const labels = groupLabels(groups);
  const datasets = uniqueSorted(groups.map((g) => g.dims["dataset"]!));
  const backends = uniqueSorted(groups.map((g) => g.dims["backend"]!));
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  datasets.forEach((ds, di) => {
    const gs = groups.map((g, i) => ({ g, label: labels[i]! })).filter((e) => e.g.dims["dataset"] === ds);
    const lat = gs.map((e) => median(e.g.records.map((r) => r.timings.wall_s)));
    const acc = gs.map((e) => mean(e.g.records.map((r) => r.metrics[metric]!)));
    const front = new Set(paretoFront(lat, acc));
    gs.forEach((e, i) =>
      rows.push([e.label, ds, e.g.dims["backend"]!, lat[i]!, acc[i]!, e.g.records.length, front.has(i) ? 1 : 0])
    );
    const c = colour(di);
    // One trace per backend so the legend names each marker shape.
    for (const b of backends) {
      const idx = gs.map((_, i) => i).filter((i) => gs[i]!.g.dims["backend"] === b);
      if (idx.length === 0) continue;
      data.push({
        type: "scatter",
        mode: "markers",
        x: idx.map((i) => lat[i]!),
        y: idx.map((i) => acc[i]!),
        text: idx.map((i) => gs[i]!.label),
        hovertemplate: "%{text}<br>latency %{x:.3g} s<br>" + metric + " %{y:.4f}<extra></extra>",
        name: [datasets.length > 1 ? ds : "", b].filter((p) => p !== "").join(" · "),
        marker: {
          size: 10,
          color: c,
          opacity: 0.85,
          symbol: SYMBOLS[backends.indexOf(b) % SYMBOLS.length],
          line: { width: 1, color: "#333" },
        },
      });
    }
    const f = [...front].sort((a, b) => lat[a]! - lat[b]!);
    data.push({
      type: "scatter",
      mode: "lines",
      x: f.map((i) => lat[i]!),
      y: f.map((i) => acc[i]!),
      line: { shape: "hv", color: c, width: 1.5, dash: "dash" },
      name: datasets.length > 1 ? `${ds}: Pareto front` : "Pareto front",
      hoverinfo: "skip",
    });
  });
  return {
    kind: "figure",
    ...base,
    caption:
      `Mean ${metric}${
        metric === "test.bcubed.f1" ? " (BCubed F of held-out identities at the threshold tuned on the dev split)" : ""
      } against median wall time of the measured repetition, one point per configuration ` +
      `(variant, parameters and backend), log x; dashed: the Pareto front (nothing is both faster and more ` +
      `accurate); marker shape: backend; colour: dataset. ` + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("latency: median wall time per run (s)", metric, { xaxis: { type: "log" } }),
    table: {
      columns: ["configuration", "dataset", "backend", "median_wall_s", `mean_${metric}`, "runs", "on_front"],
      rows,
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
