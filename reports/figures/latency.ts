/**
 * Figure 7: latency distributions as ECDFs of the raw per-item samples (per image, per face, per query,
 * per batch), one curve per backend and model (and sample kind), log x.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf, methodOf, modelOf } from "../select.ts";
import { ecdf, median, quantile, uniqueSorted } from "../stats.ts";
import { backendLabel } from "./backend_latency.ts";

/** Sample kinds that are not per-item latencies of a model or query (HAC merges have their own figure). */
const NOT_LATENCY = new Set(["merge_seconds", "round_seconds"]);

/** Builds figure 7 from result records. */
export function latencyFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "latency", number: 7, title: "Latency distributions per backend and model" };
  const keyOf = (k: string) => !NOT_LATENCY.has(k) && k.endsWith("_seconds");
  const usable = records.filter((r) =>
    r.status === "ok" && Object.entries(r.timings.samples).some(([k, v]) => keyOf(k) && v.length > 0)
  );
  if (usable.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs that store per-item latency samples in `timings.samples.<kind>_seconds` " +
        "(e.g. `embed_seconds`, `query_seconds`, `batch_seconds`; `merge_seconds` belongs to figure 1)",
    };
  }
  const series = new Map<
    string,
    { backend: string; model: string; kind: string; values: number[]; records: Set<ResultRecord> }
  >();
  for (const r of usable) {
    const model = modelOf(r) ?? methodOf(r) ?? mainVariantOf(r);
    for (const [k, v] of Object.entries(r.timings.samples)) {
      if (!keyOf(k) || v.length === 0) continue;
      const kind = k.replace(/_seconds$/, "");
      // A software WebGPU adapter is part of the backend's name: never drawn as if it were a GPU.
      const backend = backendLabel(r);
      const key = JSON.stringify([backend, model, kind]);
      const s = series.get(key) ?? { backend, model, kind, values: [], records: new Set() };
      s.values.push(...v);
      s.records.add(r);
      series.set(key, s);
    }
  }
  const keys = uniqueSorted(series.keys());
  const kinds = uniqueSorted([...series.values()].map((s) => s.kind));
  const backends = uniqueSorted([...series.values()].map((s) => s.backend));
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  keys.forEach((key, i) => {
    const s = series.get(key)!;
    const ms = s.values.map((v) => Math.max(v, 1e-7) * 1000);
    const e = ecdf(ms);
    const name = [s.backend, s.model, kinds.length > 1 ? s.kind : ""].filter((p) => p !== "").join(" · ");
    rows.push([s.backend, s.model, s.kind, ms.length, median(ms), quantile(ms, 0.95), quantile(ms, 0.99)]);
    data.push({
      type: "scatter",
      mode: "lines",
      x: e.x,
      y: e.y,
      name: `${name} (${ms.length.toLocaleString("en-US")} samples)`,
      line: {
        shape: "hv",
        width: 2,
        color: colour(i),
        dash: ["solid", "dash", "dot", "dashdot"][backends.indexOf(s.backend) % 4],
      },
    });
  });
  return {
    kind: "figure",
    ...base,
    caption: "Empirical cumulative distribution of per-item latency (" + kinds.join(", ") + ") for each backend " +
      "(line style) and model or method, log x; table: median, p95, p99. Source: timings.samples.*_seconds. " +
      captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("latency per item (ms)", "fraction of items at or below", {
      xaxis: { type: "log" },
      yaxis: { range: [0, 1.02] },
    }),
    table: { columns: ["backend", "model", "kind", "samples", "median_ms", "p95_ms", "p99_ms"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}

function mainVariantOf(r: ResultRecord): string {
  const st = r.variant.stages["assign"] ?? r.variant.stages["cluster"];
  return st ? st.variant : r.variant.label;
}
