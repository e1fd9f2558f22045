/**
 * The backend latency study (`onnx-latency` runs): median per-item latency with its p10–p90 range per model,
 * batch size and backend, and the throughput; a second figure gives the op-level CPU profile of the built
 * backbones. Timings on a software WebGPU adapter (lavapipe) are drawn as their own, labelled series and
 * flagged in the table: they are never shown as if they were a GPU's.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf, param } from "../select.ts";
import { median, quantile, uniqueSorted } from "../stats.ts";

const VARIANT = "onnx-latency";

function studyRuns(records: readonly ResultRecord[]): ResultRecord[] {
  return records.filter((r) => r.status === "ok" && r.variant.stages["embed"]?.variant === VARIANT);
}

/** The model as drawn: built backbones carry their activation. */
function modelLabel(r: ResultRecord): string {
  const model = String(param(r, ["model"], "embed") ?? "?");
  return model.startsWith("backbone-") ? `${model} (${param(r, ["activation"], "embed") ?? "?"})` : model;
}

/** The backend as drawn: a software adapter is part of the name, so it never reads as a GPU's timing. */
export function backendLabel(r: Pick<ResultRecord, "backend">): string {
  return r.backend.software_adapter ? `${r.backend.used} [software adapter]` : r.backend.used;
}

/** Figure "backend-latency": per-item latency per model × batch × backend, with throughput in the table. */
export function backendLatencyFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "backend-latency", number: 9, title: "Backend latency study: per-item latency by batch size" };
  const runs = studyRuns(records).filter((r) => (r.timings.samples["item_seconds"]?.length ?? 0) > 0);
  if (runs.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: `successful \`${VARIANT}\` runs (experiments backend-latency / backbone-latency of the paper suite)`,
    };
  }
  type Cell = { items: number[]; throughput: number[]; r: ResultRecord };
  const cells = new Map<string, Cell>();
  for (const r of runs) {
    const key = JSON.stringify([backendLabel(r), modelLabel(r), r.counters["batch"] ?? 1]);
    const c = cells.get(key) ?? { items: [], throughput: [], r };
    c.items.push(...r.timings.samples["item_seconds"]!.map((s) => s * 1000));
    const t = r.metrics["throughput_items_per_s"];
    if (t !== undefined) c.throughput.push(t);
    cells.set(key, c);
  }
  const backends = uniqueSorted([...cells.keys()].map((k) => JSON.parse(k)[0] as string));
  const categories = uniqueSorted([...cells.keys()].map((k) => {
    const [, model, batch] = JSON.parse(k) as [string, string, number];
    return `${model} · b${String(batch).padStart(3, " ")}`;
  }));
  const data: PlotlyJson[] = [];
  const rows: (string | number | null)[][] = [];
  backends.forEach((b, i) => {
    const x: string[] = [], y: number[] = [], lo: number[] = [], hi: number[] = [];
    for (const [key, c] of [...cells.entries()].sort()) {
      const [backend, model, batch] = JSON.parse(key) as [string, string, number];
      if (backend !== b) continue;
      const med = median(c.items), p10 = quantile(c.items, 0.1), p90 = quantile(c.items, 0.9);
      x.push(`${model} · b${String(batch).padStart(3, " ")}`);
      y.push(med);
      lo.push(med - p10);
      hi.push(p90 - med);
      rows.push([
        c.r.backend.used,
        c.r.backend.adapter ?? null,
        c.r.backend.software_adapter ? "yes" : "no",
        model,
        batch,
        c.items.length,
        med,
        p10,
        p90,
        c.throughput.length ? median(c.throughput) : null,
        c.r.counters["native_batch"] ?? null,
        c.r.counters["parameters"] ?? null,
        c.r.counters["macs"] ?? null,
      ]);
    }
    const software = b.endsWith("[software adapter]");
    data.push({
      type: "bar",
      name: b,
      x,
      y,
      error_y: { type: "data", symmetric: false, array: hi, arrayminus: lo, thickness: 1 },
      marker: {
        color: colour(i),
        ...(software ? { pattern: { shape: "/", fillmode: "overlay", fgcolor: "#ffffff" } } : {}),
      },
    });
  });
  const anySoftware = runs.some((r) => r.backend.software_adapter);
  return {
    kind: "figure",
    ...base,
    caption: "Median latency per image (bars; whiskers p10–p90) of each model at each batch size, per backend; " +
      "one untimed call per run excluded (shader compilation, allocation). Detectors have a fixed batch of 1 " +
      "(native_batch 0): their batch is that many single-image calls. Table: throughput (images/s), parameters " +
      "and multiply–adds of the built backbones. " +
      (anySoftware
        ? "Hatched series marked [software adapter] ran WebGPU on a software/fallback adapter (e.g. lavapipe): " +
          "a correctness path, not a GPU's speed — do not compare them with hardware backends. "
        : "") +
      captionTail(runs),
    experiments: experimentsOf(runs),
    data,
    layout: baseLayout("model · batch size", "latency per image (ms, log)", {
      barmode: "group",
      width: FIGURE_WIDTH + 240,
      // long category labels: the legend goes above the plot
      margin: { l: 70, r: 20, t: 50, b: 190 },
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      yaxis: { type: "log" },
      xaxis: { categoryorder: "array", categoryarray: categories, tickangle: -40 },
    }),
    table: {
      columns: [
        "backend",
        "adapter",
        "software_adapter",
        "model",
        "batch",
        "samples",
        "median_ms_per_item",
        "p10_ms",
        "p90_ms",
        "throughput_items_per_s",
        "native_batch",
        "parameters",
        "macs",
      ],
      rows,
    },
    width: FIGURE_WIDTH + 240,
    height: FIGURE_HEIGHT,
  };
}

/** Figure "op-profile": share of CPU kernel time per operator type, per built backbone size and activation. */
export function opProfileFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "op-profile", number: 10, title: "Op-level CPU profile of the built backbones" };
  const runs = studyRuns(records).filter((r) => Object.keys(r.metrics).some((k) => /^op\..+\.share$/.test(k)));
  if (runs.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: `\`${VARIANT}\` runs with op_profile: true (experiment backbone-op-profile of the paper suite)`,
    };
  }
  const configs = uniqueSorted(runs.map(modelLabel));
  const ops = uniqueSorted(
    runs.flatMap((r) => Object.keys(r.metrics).filter((k) => /^op\..+\.share$/.test(k)).map((k) => k.slice(3, -6))),
  );
  const byConfig = new Map(configs.map((c) => [c, runs.filter((r) => modelLabel(r) === c)]));
  const mean = (rs: ResultRecord[], key: string) => {
    const v = rs.map((r) => r.metrics[key]).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  };
  const data: PlotlyJson[] = ops.map((op, i) => ({
    type: "bar",
    name: op,
    x: configs,
    y: configs.map((c) => mean(byConfig.get(c)!, `op.${op}.share`) * 100),
    marker: { color: colour(i) },
  }));
  const rows: (string | number | null)[][] = [];
  for (const c of configs) {
    for (const op of ops) {
      const share = mean(byConfig.get(c)!, `op.${op}.share`);
      if (share > 0) rows.push([c, op, share, mean(byConfig.get(c)!, `op.${op}.us_per_run`)]);
    }
  }
  return {
    kind: "figure",
    ...base,
    caption: "Share of onnxruntime-node CPU kernel time by operator type (onnxruntime's profiler, one thread, " +
      "batch 1, warm-up run excluded) for each backbone size and activation; table: microseconds per run. " +
      captionTail(runs),
    experiments: experimentsOf(runs),
    data,
    layout: baseLayout("backbone (activation)", "share of kernel time (%)", { barmode: "stack" }),
    table: { columns: ["backbone", "op", "share", "us_per_run"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
