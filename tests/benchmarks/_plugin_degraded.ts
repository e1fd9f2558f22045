/** Test plugin: `toy-hac` deliberately degraded — every fourth observation is split off (an accuracy regression). */
import { hacVariant } from "../../benchmarks/variants/builtin/cluster.ts";
import type { Variant } from "../../benchmarks/variants/types.ts";

const degraded = {
  ...hacVariant,
  id: "toy-hac",
  async run(...args: Parameters<typeof hacVariant.run>) {
    const out = await hacVariant.run(...args);
    const labels = Int32Array.from(out.labels!);
    for (let i = 0; i < labels.length; i += 4) labels[i] = -1;
    return { ...out, labels };
  },
};

/** Variants registered by this plugin. */
export const variants: Variant[] = [degraded as unknown as Variant];
