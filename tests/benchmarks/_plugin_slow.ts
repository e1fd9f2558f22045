/** Test plugin: `toy-hac` deliberately slowed — the same clustering computed four times (a code regression). */
import { hacVariant } from "../../benchmarks/variants/builtin/cluster.ts";
import type { Variant } from "../../benchmarks/variants/types.ts";

const slow = {
  ...hacVariant,
  id: "toy-hac",
  async run(...args: Parameters<typeof hacVariant.run>) {
    for (let k = 0; k < 3; k++) await hacVariant.run(...args);
    return await hacVariant.run(...args);
  },
};

/** Variants registered by this plugin. */
export const variants: Variant[] = [slow as unknown as Variant];
