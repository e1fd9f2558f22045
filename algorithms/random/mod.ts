/** Seeded randomness. @module */
export { hashString32, Rng } from "./rng.ts";
