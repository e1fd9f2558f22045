/**
 * Figure 3: accuracy against latency across variants and backends, one point per configuration (mean
 * accuracy, median wall time over repeats and seeds), with the Pareto front of each dataset.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import {
  baseLayout,
  colour,
  FIGURE_HEIGHT,
  FIGURE_WIDTH,
  type FigureOutcome,
  type PlotlyJson,
  withAlpha,
} from "../figure.ts";
import { type Box, placeLabels } from "../labels.ts";
import { ACCURACY_METRICS, captionTail, configLabels, experimentsOf, groupConfigs, pickMetric } from "../select.ts";
import { mean, median, paretoFront, uniqueSorted } from "../stats.ts";

const SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x", "cross", "star", "triangle-down"];
const MARGIN = { l: 70, r: 20, t: 20, b: 140 };

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

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
  const datasets = uniqueSorted(groups.map((g) => g.dims["dataset"]!));
  const backends = uniqueSorted(groups.map((g) => g.dims["backend"]!));
  const points = datasets.flatMap((ds) => {
    const gs = groups.filter((g) => g.dims["dataset"] === ds);
    const labels = configLabels(gs, backends.length > 1);
    const lat = gs.map((g) => median(g.records.map((r) => r.timings.wall_s)));
    const acc = gs.map((g) => mean(g.records.map((r) => r.metrics[metric]!)));
    const front = new Set(paretoFront(lat, acc));
    return gs.map((g, i) => ({ g, ds, label: labels[i]!, lat: lat[i]!, acc: acc[i]!, onFront: front.has(i) }));
  });
  // Fixed axis ranges, so that labels can be placed in pixels before plotly draws.
  const lx = points.map((p) => Math.log10(p.lat)), ly = points.map((p) => p.acc);
  const [xlo, xhi] = [Math.min(...lx), Math.max(...lx)], [ylo, yhi] = [Math.min(...ly), Math.max(...ly)];
  const xs = Math.max(xhi - xlo, 0.3), ys = Math.max(yhi - ylo, 0.02);
  const xRange = [xlo - 0.1 * xs, xhi + 0.1 * xs], yRange = [ylo - 0.12 * ys, yhi + 0.15 * ys];
  const plotW = FIGURE_WIDTH - MARGIN.l - MARGIN.r, plotH = FIGURE_HEIGHT - MARGIN.t - MARGIN.b;
  const px = (lat: number) => ((Math.log10(lat) - xRange[0]!) / (xRange[1]! - xRange[0]!)) * plotW;
  const py = (acc: number) => (1 - (acc - yRange[0]!) / (yRange[1]! - yRange[0]!)) * plotH;
  // The fronts' step segments (drawn "hv": across, then up), so labels keep off them where they can.
  const segments: Box[] = datasets.flatMap((ds) => {
    const f = points.filter((p) => p.ds === ds && p.onFront).sort((a, b) => a.lat - b.lat);
    return f.slice(1).flatMap((b, k) => {
      const a = f[k]!;
      return [
        { x0: px(a.lat), x1: px(b.lat), y0: py(a.acc) - 2, y1: py(a.acc) + 2 },
        { x0: px(b.lat) - 2, x1: px(b.lat) + 2, y0: py(b.acc), y1: py(a.acc) },
      ];
    });
  });
  const offsets = placeLabels(
    points.map((p) => ({ x: px(p.lat), y: py(p.acc), text: p.label })),
    { width: plotW, height: plotH, charWidth: 6.8, lineHeight: 14, markerRadius: 6 },
    segments,
  );
  const annotations: PlotlyJson[] = points.map((p, i) => ({
    x: lx[i],
    y: p.acc,
    text: p.label,
    showarrow: true,
    ax: Math.round(offsets[i]!.dx),
    ay: Math.round(offsets[i]!.dy),
    arrowhead: 0,
    arrowwidth: 0.8,
    arrowcolor: offsets[i]!.leader ? "#888" : "rgba(0,0,0,0)",
    standoff: 6,
    font: { size: 11, color: "#222" },
  }));
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  const dominant: string[] = [];
  datasets.forEach((ds, di) => {
    const ps = points.filter((p) => p.ds === ds);
    for (const p of ps) {
      rows.push([p.label, ds, p.g.dims["backend"]!, p.lat, p.acc, p.g.records.length, p.onFront ? 1 : 0]);
    }
    const c = colour(di);
    // One trace per backend so the legend names each marker shape.
    for (const b of backends) {
      const bs = ps.filter((p) => p.g.dims["backend"] === b);
      if (bs.length === 0) continue;
      data.push({
        type: "scatter",
        mode: "markers",
        x: bs.map((p) => p.lat),
        y: bs.map((p) => p.acc),
        text: bs.map((p) => p.label),
        hovertemplate: "%{text}<br>latency %{x:.3g} s<br>" + metric + " %{y:.4f}<extra></extra>",
        name: [datasets.length > 1 ? ds : "", b].filter((p) => p !== "").join(" · "),
        marker: {
          size: 10,
          color: bs.map((p) => (p.onFront ? c : withAlpha(c, 0.35))),
          symbol: SYMBOLS[backends.indexOf(b) % SYMBOLS.length],
          line: { width: 1, color: "#333" },
        },
      });
    }
    // A front is a trade-off: it needs two configurations that do not dominate each other.
    const f = ps.filter((p) => p.onFront).sort((a, b) => a.lat - b.lat);
    if (f.length < 2) {
      if (ps.length > 1) dominant.push(`on ${ds}, ${f[0]!.label} is both fastest and most accurate (no front)`);
      return;
    }
    data.push({
      type: "scatter",
      mode: "lines",
      x: f.map((p) => p.lat),
      y: f.map((p) => p.acc),
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
      } against median wall time of the measured repetition, one labelled point per ` +
      `configuration (variant, parameters and backend), log x; dashed: the Pareto front (nothing is both faster ` +
      `and more accurate), drawn where at least two configurations trade speed for accuracy; faded: dominated; ` +
      `marker shape: backend; colour: dataset.${dominant.length > 0 ? ` ${upperFirst(dominant.join("; "))}.` : ""} ` +
      captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("latency: median wall time per run (s)", metric, {
      xaxis: { type: "log", range: xRange },
      yaxis: { range: yRange },
      margin: MARGIN,
      annotations,
    }),
    table: {
      columns: ["configuration", "dataset", "backend", "median_wall_s", `mean_${metric}`, "runs", "on_front"],
      rows,
    },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
