/** Test plugin: `toy-unavailable`, the reference variant that says at planning time it cannot run n > 500. */
import { referenceVariant } from "../../benchmarks/variants/builtin/reference.ts";
import type { Variant } from "../../benchmarks/variants/types.ts";

/** Variants registered by this plugin. */
export const variants: Variant[] = [{
  ...referenceVariant,
  id: "toy-unavailable",
  unavailable: (p: Record<string, unknown>) =>
    (p.n as number) > 500 ? "this machine has no accelerator for n > 500" : null,
} as unknown as Variant];
