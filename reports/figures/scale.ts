/**
 * Figure 11: the cost curve of the nightly job — each stage's seconds against the library size (observations), log–log,
 * with a least-squares power law `t ≈ a · n^b` per stage, so a user reads how long their library's job takes.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf } from "../select.ts";
import { median } from "../stats.ts";

/** Fitted power law of one stage: seconds ≈ a · n^b. */
export interface PowerLaw {
  a: number;
  b: number;
  /** Coefficient of determination in log space. */
  r2: number;
}

/** Least squares on (log n, log t); null with fewer than two distinct sizes. */
export function fitPowerLaw(n: readonly number[], t: readonly number[]): PowerLaw | null {
  const pts = n.map((x, i) => [Math.log(x), Math.log(t[i]!)] as const).filter(([x, y]) =>
    Number.isFinite(x) && Number.isFinite(y)
  );
  if (new Set(pts.map(([x]) => x)).size < 2) return null;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length, my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  let sxx = 0, sxy = 0, syy = 0;
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const b = sxy / sxx, a = Math.exp(my - b * mx);
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { a, b, r2 };
}

const STAGE_RE = /^stage\.([a-z_]+)\.seconds$/;

/** Builds figure 9 from result records (runs with `stage.<name>.seconds` metrics, e.g. `library-scale`). */
export function scaleFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "scale", number: 11, title: "Cost of the nightly job against library size" };
  const usable = records.filter((r) =>
    r.status === "ok" && r.dataset.n > 0 && Object.keys(r.metrics).some((k) => STAGE_RE.test(k))
  );
  const sizes = new Set(usable.map((r) => r.dataset.n));
  if (sizes.size < 2) {
    return {
      kind: "missing",
      ...base,
      needs: "successful runs on at least two library sizes that store `stage.<name>.seconds` metrics " +
        "(the `library-scale` variant, experiments/scale.json)",
    };
  }
  // One curve per stage and configuration (the variant label without the dataset): sizes → median seconds.
  const stages = [...new Set(usable.flatMap((r) => Object.keys(r.metrics).map((k) => k.match(STAGE_RE)?.[1])))]
    .filter((s): s is string => s !== undefined);
  const configs = [...new Set(usable.map((r) => r.variant.label))].sort();
  const data: PlotlyJson[] = [];
  const rows: (string | number | null)[][] = [];
  const fits: string[] = [];
  let colourIndex = 0;
  for (const config of configs) {
    for (const stage of stages) {
      const bySize = new Map<number, { t: number[]; mb: number[] }>();
      for (const r of usable) {
        const t = r.metrics[`stage.${stage}.seconds`];
        if (r.variant.label !== config || t === undefined) continue;
        const e = bySize.get(r.dataset.n) ?? { t: [], mb: [] };
        e.t.push(Math.max(t, 1e-4));
        const mb = r.metrics[`stage.${stage}.peak_mb`];
        if (mb !== undefined) e.mb.push(mb);
        bySize.set(r.dataset.n, e);
      }
      if (bySize.size === 0) continue;
      const n = [...bySize.keys()].sort((a, b) => a - b);
      const t = n.map((x) => median(bySize.get(x)!.t));
      const mb = n.map((x) => (bySize.get(x)!.mb.length ? median(bySize.get(x)!.mb) : null));
      const fit = fitPowerLaw(n, t);
      const name = `${stage}${configs.length > 1 ? ` · ${config}` : ""}`;
      const c = colour(colourIndex++);
      data.push({
        type: "scatter",
        mode: "lines+markers",
        x: n,
        y: t,
        name: fit ? `${name} (n^${fit.b.toFixed(2)})` : name,
        line: { color: c, width: stage === "total" ? 3 : 2, dash: stage === "total" ? "solid" : "dot" },
        marker: { color: c, size: 7 },
      });
      if (fit && n.length >= 2) {
        const xs = [n[0]!, n.at(-1)!];
        data.push({
          type: "scatter",
          mode: "lines",
          x: xs,
          y: xs.map((x) => fit.a * x ** fit.b),
          name: `${name} fit`,
          showlegend: false,
          hoverinfo: "skip",
          line: { color: c, width: 1, dash: "dash" },
        });
        fits.push(`${name} ≈ ${fit.a.toExponential(2)}·n^${fit.b.toFixed(2)} s (R² ${fit.r2.toFixed(2)})`);
      }
      n.forEach((x, i) => rows.push([config, stage, x, t[i]!, mb[i] ?? null, fit?.b ?? null]));
    }
  }
  return {
    kind: "figure",
    ...base,
    caption: "Seconds per stage of the nightly job against library size (observations), log–log; dashed: least-" +
      "squares power law per stage. Fitted: " + fits.join("; ") + ". Peak memory per stage in the table. " +
      "Each point is one run on one machine: read the exponents, and the times only on a machine like the one " +
      "that measured them. " + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("library size (observations)", "seconds", {
      xaxis: { type: "log" },
      yaxis: { type: "log" },
    }),
    table: { columns: ["config", "stage", "observations", "seconds", "peak_mb", "exponent"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
