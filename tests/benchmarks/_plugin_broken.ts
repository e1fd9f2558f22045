/** Test plugin: a variant that throws and one that never finishes, to check failures are recorded and the sweep goes on. */
import type { Variant } from "../../benchmarks/variants/types.ts";

const throws: Variant = {
  id: "toy-throws",
  stage: "cluster",
  summary: "always fails",
  params: {},
  run() {
    throw new RangeError("deliberate failure for the test");
  },
};

const hangs: Variant = {
  id: "toy-hangs",
  stage: "cluster",
  summary: "never finishes",
  params: {},
  async run() {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    return {};
  },
};

/** Variants registered by this plugin. */
export const variants: Variant[] = [throws, hangs];
