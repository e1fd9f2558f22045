/**
 * Built-in variants, one import and one array entry each.
 * @module
 */
import type { Variant } from "../types.ts";
import { referenceVariant } from "./reference.ts";

/** Every built-in variant. */
export const BUILTIN_VARIANTS: Variant[] = [
  referenceVariant as unknown as Variant,
];
