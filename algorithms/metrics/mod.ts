/** Evaluation metrics. @module */
export * from "./clustering.ts";
export * from "./quantile.ts";
export * from "./auc.ts";
