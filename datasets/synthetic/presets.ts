/**
 * Named scales of the synthetic library. A preset changes only the scale (observations, identities,
 * years); every other knob keeps its default, so results across presets are comparable.
 * @module
 */
import type { GeneratorOverrides } from "./config.ts";

/** Preset names, smallest first. */
export const PRESET_NAMES = ["tiny", "small", "medium", "large"] as const;

/** A preset name. */
export type PresetName = typeof PRESET_NAMES[number];

/**
 * The presets: tiny (~2k observations, tests and CI), small (~20k), medium (~100k), large (~1M,
 * streamed to disk).
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<GeneratorOverrides>>> = Object.freeze({
  tiny: { name: "synthetic-tiny", observations: 2_000, identities: 60, years: 3 },
  small: { name: "synthetic-small", observations: 20_000, identities: 300, years: 6 },
  medium: { name: "synthetic-medium", observations: 100_000, identities: 1_000, years: 10 },
  large: { name: "synthetic-large", observations: 1_000_000, identities: 5_000, years: 20 },
});
