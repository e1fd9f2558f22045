/** Evaluation metrics. @module */
export * from "./clustering.ts";
