/** Dataset format v1, readers and writers. @module */
export * from "./format.ts";
export * from "./io.ts";
export * from "./labels.ts";
export * from "./npy.ts";
export * from "./synthetic/mod.ts";
