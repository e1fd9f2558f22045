/** Test plugin: `toy-hac`, the built-in HAC variant under another id (the "good" code of a gate test). */
import { hacVariant } from "../../benchmarks/variants/builtin/cluster.ts";
import type { Variant } from "../../benchmarks/variants/types.ts";

/** Variants registered by this plugin. */
export const variants: Variant[] = [{ ...hacVariant, id: "toy-hac" } as unknown as Variant];
