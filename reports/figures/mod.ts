/**
 * The report's figures, in the order of the issue (and the report); backend-latency and op-profile come from
 * the backend study (issue 14), scale from the cost curve (issue 16).
 * @module
 */
import type { ResultRecord } from "../../benchmarks/results/schema.ts";
import type { FigureOutcome } from "../figure.ts";
import { assignmentFigure } from "./assignment.ts";
import { backendLatencyFigure, opProfileFigure } from "./backend_latency.ts";
import { faceBodyFigure } from "./face_body.ts";
import { fairnessFigure } from "./fairness.ts";
import { iterationTimeFigure } from "./iteration_time.ts";
import { latencyFigure } from "./latency.ts";
import { paretoFigure } from "./pareto.ts";
import { scaleFigure } from "./scale.ts";
import { thresholdPrfFigure } from "./threshold_prf.ts";
import { trainingSubgroupsFigure } from "./training.ts";
import { unclearFigure } from "./unclear.ts";

export { assignmentFigure, faceBodyFigure, fairnessFigure, iterationTimeFigure, latencyFigure, paretoFigure };
export {
  backendLatencyFigure,
  opProfileFigure,
  scaleFigure,
  thresholdPrfFigure,
  trainingSubgroupsFigure,
  unclearFigure,
};

/** A figure builder: a pure function of the records (all statuses; builders use the `ok` ones). */
export type FigureBuilder = (records: readonly ResultRecord[]) => FigureOutcome;

/** Figure ids in report order; `--only` accepts an id or its 1-based number. */
export const FIGURE_IDS = [
  "iteration-time",
  "threshold-prf",
  "pareto",
  "assignment-exemplars",
  "face-body",
  "fairness",
  "latency",
  "unclear-filter",
  "backend-latency",
  "op-profile",
  "scale",
  "training-subgroups",
] as const;

/** A figure id. */
export type FigureId = typeof FIGURE_IDS[number];

/** Builder of each figure. */
export const FIGURES: Readonly<Record<FigureId, FigureBuilder>> = {
  "iteration-time": iterationTimeFigure,
  "threshold-prf": thresholdPrfFigure,
  "pareto": paretoFigure,
  "assignment-exemplars": assignmentFigure,
  "face-body": faceBodyFigure,
  "fairness": fairnessFigure,
  "latency": latencyFigure,
  "unclear-filter": unclearFigure,
  "backend-latency": backendLatencyFigure,
  "op-profile": opProfileFigure,
  "scale": scaleFigure,
  "training-subgroups": trainingSubgroupsFigure,
};
