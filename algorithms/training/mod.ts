/** Training math written by hand: layers, margin losses, optimisers, schedules, sampling. @module */
export * from "./layers.ts";
export * from "./losses.ts";
export * from "./optimizers.ts";
export * from "./schedules.ts";
export * from "./sampling.ts";
