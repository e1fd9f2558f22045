/** The training side: frozen-backbone features, the embedding head, its training loop, evaluation and export. @module */
export * from "./data.ts";
export * from "./evaluate.ts";
export * from "./export.ts";
export * from "./features.ts";
export * from "./head.ts";
export * from "./study.ts";
export * from "./train.ts";
