/**
 * Figure 2: precision, recall and F1 against the clustering threshold, one line per linkage, three panels.
 * From curves `threshold.<family>.{precision,recall,f1}` (a variant that cuts its dendrogram at many
 * thresholds), or else from a sweep over the `threshold` parameter with metrics `<family>.{precision,recall,f1}`.
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf, focusExperiment, groupConfigs, groupLabels, linkageOf, param } from "../select.ts";
import { mean } from "../stats.ts";
import { linkageColour, linkageRank } from "./iteration_time.ts";

const FAMILIES = ["bcubed", "pairwise"] as const;
/**
 * Curve prefixes, preferred first: `test.threshold` (the threshold protocol's test split: identities not used to
 * tune), then `threshold` (all identities, scored on the data the threshold would be picked on).
 */
const PREFIXES = ["test.threshold", "threshold"] as const;
const PARTS = ["precision", "recall", "f1"] as const;

/** Points of one line: threshold → values over runs. */
type Points = Map<number, number[]>;

/** Builds figure 2 from result records. */
export function thresholdPrfFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "threshold-prf", number: 2, title: "Precision, recall and F1 against threshold, per linkage" };
  const ok = records.filter((r) => r.status === "ok" && linkageOf(r) !== null);
  let family: string | null = null;
  let source: "curves" | "sweep" | null = null;
  let prefix: string = "threshold";
  for (const pre of PREFIXES) {
    for (const f of FAMILIES) {
      if (family === null && ok.some((r) => PARTS.every((p) => `${pre}.${f}.${p}` in r.curves))) {
        family = f;
        source = "curves";
        prefix = pre;
      }
    }
  }
  if (family === null) {
    for (const f of FAMILIES) {
      const sweep = ok.filter((r) =>
        typeof param(r, ["threshold"], "cluster") === "number" && PARTS.every((p) => `${f}.${p}` in r.metrics)
      );
      if (new Set(sweep.map((r) => param(r, ["threshold"], "cluster"))).size >= 2) {
        family = f;
        source = "sweep";
        break;
      }
    }
  }
  if (family === null || source === null) {
    return {
      kind: "missing",
      ...base,
      needs: "clustering runs with a `linkage` parameter and either curves `threshold.bcubed.{precision,recall,f1}` " +
        "(or `threshold.pairwise.*`), or a sweep over ≥ 2 values of the cluster parameter `threshold` with metrics " +
        "`bcubed.{precision,recall,f1}`",
    };
  }
  const fam = family;
  const usable0 = source === "curves"
    ? ok.filter((r) => PARTS.every((p) => `${prefix}.${fam}.${p}` in r.curves))
    : ok.filter((r) =>
      typeof param(r, ["threshold"], "cluster") === "number" && PARTS.every((p) => `${fam}.${p}` in r.metrics)
    );
  const focus = focusExperiment(usable0, linkageOf, "threshold-prf");
  const usable = focus.records;
  const groups = groupConfigs(usable, source === "sweep" ? ["threshold"] : [])
    .sort((a, b) => linkageRank(a.dims["linkage"]) - linkageRank(b.dims["linkage"]));
  const labels = groupLabels(groups, ["linkage"]);
  const data: PlotlyJson[] = [];
  const rows: (string | number)[][] = [];
  groups.forEach((g, gi) => {
    const c = linkageColour(g.dims["linkage"] ?? null, gi);
    PARTS.forEach((part, pi) => {
      const pts: Points = new Map();
      for (const r of g.records) {
        if (source === "curves") {
          const cv = r.curves[`${prefix}.${fam}.${part}`]!;
          cv.x.forEach((x, i) => push(pts, x, cv.y[i]!));
        } else {
          push(pts, param(r, ["threshold"], "cluster") as number, r.metrics[`${fam}.${part}`]!);
        }
      }
      const xs = [...pts.keys()].sort((a, b) => a - b);
      const ys = xs.map((x) => mean(pts.get(x)!));
      xs.forEach((x, i) => rows.push([labels[gi]!, part, x, ys[i]!, pts.get(x)!.length]));
      data.push({
        type: "scatter",
        mode: xs.length > 40 ? "lines" : "lines+markers",
        x: xs,
        y: ys,
        xaxis: pi === 0 ? "x" : `x${pi + 1}`,
        yaxis: pi === 0 ? "y" : `y${pi + 1}`,
        name: labels[gi],
        legendgroup: `g${gi}`,
        showlegend: pi === 0,
        line: { color: c, width: 2 },
        marker: { size: 5, color: c },
      });
    });
  });
  // Threshold protocol: on the F1 panel, the dev-tuned threshold (filled diamond) and the test split's oracle
  // (open circle, an upper bound no user can pick) of each linkage.
  const protocol = prefix === "test.threshold";
  if (protocol) {
    groups.forEach((g, gi) => {
      const c = linkageColour(g.dims["linkage"] ?? null, gi);
      const rs = g.records.filter((r) => "dev.threshold" in r.metrics && "oracle.threshold" in r.metrics);
      if (rs.length === 0) return;
      const marks = [
        ["dev.threshold", "test.bcubed.f1", "tuned on dev", "diamond"],
        ["oracle.threshold", "oracle.bcubed.f1", "oracle (best on test)", "circle-open"],
      ] as const;
      for (const [tx, fy, what, symbol] of marks) {
        data.push({
          type: "scatter",
          mode: "markers",
          x: [mean(rs.map((r) => r.metrics[tx]!))],
          y: [mean(rs.map((r) => r.metrics[fy]!))],
          xaxis: "x3",
          yaxis: "y3",
          name: `${labels[gi]}: ${what}`,
          legendgroup: `g${gi}`,
          showlegend: false,
          hovertemplate: `${labels[gi]}: ${what}<br>t %{x:.3f}<br>F %{y:.4f}<extra></extra>`,
          marker: { size: 11, color: c, symbol, line: { width: 2, color: c } },
        });
      }
    });
  }
  const gap = 0.07;
  const w = (1 - 2 * gap) / 3;
  const axes: PlotlyJson = {};
  PARTS.forEach((part, pi) => {
    const sx = pi === 0 ? "" : String(pi + 1);
    const x0 = pi * (w + gap);
    axes[`xaxis${sx}`] = {
      domain: [x0, x0 + w],
      anchor: `y${sx}`,
      title: { text: "distance threshold" },
      showgrid: true,
      gridcolor: "#e5e5e5",
      zeroline: false,
    };
    axes[`yaxis${sx}`] = {
      anchor: `x${sx}`,
      range: [0, 1.02],
      title: { text: `${fam} ${part === "f1" ? "F1" : part}` },
      showgrid: true,
      gridcolor: "#e5e5e5",
      zeroline: false,
    };
  });
  const layout = baseLayout("distance threshold", `${fam} precision`, {
    width: 1100,
    height: 500,
    legend: { orientation: "h", x: 0, xanchor: "left", y: -0.25, yanchor: "top" },
    margin: { l: 60, r: 20, t: 20, b: 140 },
  });
  Object.assign(layout, axes);
  return {
    kind: "figure",
    ...base,
    caption: `${fam === "bcubed" ? "BCubed" : "Pairwise"} precision, recall and F1 of the clustering against the ` +
      `distance threshold, one line per linkage, mean over repeats and seeds; experiment ${focus.experiment}. ` +
      (protocol
        ? "Threshold protocol: curves on the test split (identities not used for tuning, clustered on their own); " +
          "on the F1 panel ◆ = the threshold tuned on the dev split, ○ = the ORACLE (best threshold on the test " +
          "split — an upper bound, not a result). "
        : "Scored on all identities: the best point of each curve is an oracle, not a tuned result. ") +
      "Source: " +
      (source === "curves" ? `curves ${prefix}.${fam}.*` : `runs sweeping the cluster parameter threshold`) +
      ". " + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout,
    table: { columns: ["series", "metric", "threshold", "mean", "runs"], rows },
    width: 1100,
    height: 500,
  };
}

function push(pts: Points, x: number, y: number): void {
  const a = pts.get(x);
  if (a) a.push(y);
  else pts.set(x, [y]);
}
