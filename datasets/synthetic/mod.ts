/** Synthetic photo libraries: configuration, presets and generation. @module */
export * from "./config.ts";
export * from "./presets.ts";
export * from "./generate.ts";
