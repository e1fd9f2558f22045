/**
 * Built-in variants, one import and one array entry each.
 * @module
 */
import type { Variant } from "../types.ts";
import { assignVariant } from "./assign.ts";
import { embedVariant } from "./embed.ts";
import { latencyVariant } from "./latency.ts";
import { greedyVariant, hacVariant, twoPassVariant } from "./cluster.ts";
import { referenceVariant } from "./reference.ts";
import { fastclusterHacVariant, scipyHacVariant, sklearnLassoVariant } from "./python_reference.ts";
import { scaleVariant } from "./scale.ts";
import { trainHeadVariant } from "./train.ts";

/** Every built-in variant. */
export const BUILTIN_VARIANTS: Variant[] = [
  hacVariant as unknown as Variant,
  twoPassVariant as unknown as Variant,
  greedyVariant as unknown as Variant,
  assignVariant as unknown as Variant,
  embedVariant as unknown as Variant,
  latencyVariant as unknown as Variant,
  referenceVariant as unknown as Variant,
  scipyHacVariant as unknown as Variant,
  fastclusterHacVariant as unknown as Variant,
  sklearnLassoVariant as unknown as Variant,
  scaleVariant as unknown as Variant,
  trainHeadVariant as unknown as Variant,
];
