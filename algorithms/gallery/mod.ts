/** Gallery: known persons, their exemplars, and the heuristics that choose them from a clustering. @module */
export * from "./exemplars.ts";
export * from "./gallery.ts";
export * from "./select.ts";
