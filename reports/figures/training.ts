/**
 * Figure "training-subgroups" (the article's Figure 7): for each training setting, verification AUC on the worst
 * and the best subgroup (gender) of the held-out identities, mean over seeds with 95% bootstrap intervals over
 * runs; the shipped MobileFaceNet on the same crops as a reference, and the masked-crop values in the table.
 * Reads the `train-head` variant's metrics `verify.auc.worst` / `verify.auc.best` (and `masked.` / `shipped.`).
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import { baseLayout, colour, FIGURE_HEIGHT, FIGURE_WIDTH, type FigureOutcome, type PlotlyJson } from "../figure.ts";
import { captionTail, experimentsOf } from "../select.ts";
import { bootstrapMeanCi, mean } from "../stats.ts";

const SERIES = [
  { key: "verify.auc.worst", name: "worst subgroup" },
  { key: "verify.auc.best", name: "best subgroup" },
  { key: "masked.verify.auc.worst", name: "worst subgroup, masked crops" },
] as const;

/** Builds the training-subgroups figure from result records. */
export function trainingSubgroupsFigure(records: readonly ResultRecord[]): FigureOutcome {
  const base = { id: "training-subgroups", number: 12, title: "Worst and best subgroup per training setting" };
  const usable = records.filter((r) => r.status === "ok" && Number.isFinite(r.metrics["verify.auc.worst"]));
  if (usable.length === 0) {
    return {
      kind: "missing",
      ...base,
      needs: "runs of the train-head variant (experiments/training.json) with metrics verify.auc.worst and " +
        "verify.auc.best",
    };
  }
  // Settings in the order their experiments first appear (the spec's order: baseline → + masks).
  const settings: string[] = [];
  for (const r of usable) if (!settings.includes(r.experiment)) settings.push(r.experiment);
  const data: PlotlyJson[] = [];
  const rows: (string | number | null)[][] = [];
  SERIES.forEach((s, si) => {
    const y: (number | null)[] = [], lo: number[] = [], hi: number[] = [];
    settings.forEach((setting, ci) => {
      const vals = usable.filter((r) => r.experiment === setting).map((r) => r.metrics[s.key])
        .filter((v): v is number => Number.isFinite(v));
      if (vals.length === 0) {
        y.push(null), lo.push(0), hi.push(0);
        return;
      }
      const m = mean(vals);
      const [a, b] = bootstrapMeanCi(vals, { seed: 7000 + 10 * si + ci });
      y.push(m), lo.push(m - a), hi.push(b - m);
      rows.push([setting, s.name, m, a, b, vals.length]);
    });
    if (y.every((v) => v === null)) return;
    data.push({
      type: "bar",
      x: settings,
      y,
      name: s.name,
      marker: { color: colour(si), opacity: si === 2 ? 0.55 : 1 },
      error_y: { type: "data", symmetric: false, array: hi, arrayminus: lo, color: "#333", thickness: 1.2, width: 4 },
    });
  });
  const shipped = usable.map((r) => r.metrics["shipped.verify.auc.worst"]).filter((v): v is number =>
    Number.isFinite(v)
  );
  if (shipped.length) {
    const m = mean(shipped);
    rows.push(["shipped mobilefacenet", "worst subgroup", m, null, null, shipped.length]);
    data.push({
      type: "scatter",
      mode: "lines",
      x: settings,
      y: settings.map(() => m),
      name: "shipped MobileFaceNet, worst subgroup",
      line: { color: "#555", dash: "dash" },
    });
  }
  const lows = rows.map((r) => (typeof r[3] === "number" ? r[3] : 1));
  return {
    kind: "figure",
    ...base,
    caption: "Verification ROC AUC on held-out celeb24 identities, for the subgroup (gender) where the trained head " +
      "does worst and where it does best, per training setting (each adds one ingredient to the previous); mean " +
      "over seeds, bars: 95% bootstrap over runs; the dashed line is the shipped MobileFaceNet's worst subgroup on " +
      "the same crops. " + captionTail(usable),
    experiments: experimentsOf(usable),
    data,
    layout: baseLayout("training setting", "verification AUC", {
      barmode: "group",
      yaxis: { range: [Math.max(0, Math.min(...lows) - 0.05), 1.005] },
    }),
    table: { columns: ["setting", "series", "mean", "ci_low", "ci_high", "runs"], rows },
    width: FIGURE_WIDTH,
    height: FIGURE_HEIGHT,
  };
}
