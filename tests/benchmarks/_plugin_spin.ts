/**
 * Test plugin: `spin`, a small synthetic CPU workload (float multiply-adds over a 16 KiB array, the same kind of
 * work as the reference workload's dot products, in other code) whose cost is `work × slowdown × $PB_SPIN_SLOWDOWN`. The gate
 * tests set the environment variable (inherited by the runs' child processes) to play a slowed-down build of the
 * same configuration, so that baseline and candidate keep one configuration id.
 * @module
 */
import type { Variant } from "../../benchmarks/variants/types.ts";

/** Parameters of the `spin` variant. */
export interface SpinParams extends Record<string, number> {
  work: number;
  slowdown: number;
}

const DATA = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
/** The `spin` variant. */
export const spinVariant: Variant<SpinParams> = {
  id: "spin",
  stage: "cluster",
  summary: "synthetic CPU workload for gate tests: work × slowdown thousand float multiply-adds",
  params: {
    work: { kind: "int", default: 200, min: 1, max: 1_000_000, help: "thousands of steps [200]" },
    slowdown: { kind: "float", default: 1, min: 0.1, max: 100, help: "factor on the work [1]" },
  },
  run(_input, p) {
    const steps = Math.round(p.work * 1000 * p.slowdown * Number(Deno.env.get("PB_SPIN_SLOWDOWN") ?? 1));
    let acc = 0;
    for (let i = 0, k = 0; i < steps; i++, k = (k + 1) & 4095) acc += DATA[k]! * DATA[(k * 7) & 4095]!;
    return { counters: { steps, checksum: acc } };
  },
};

/** Variants registered by this plugin. */
export const variants: Variant[] = [spinVariant as unknown as Variant];
