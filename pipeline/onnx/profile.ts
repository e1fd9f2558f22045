/**
 * Op-level profile of a model on onnxruntime-node's CPU provider, from onnxruntime's own profiler (its
 * Chrome-trace JSON): kernel time per operator type, the warm-up run left out.
 * @module
 */
import { join } from "node:path";
import { createSession } from "./backends.ts";

/** Kernel time of one operator type over the profiled runs. */
export interface OpTime {
  op: string;
  /** Kernel time per run, microseconds. */
  us_per_run: number;
  /** Share of all kernel time. */
  share: number;
  /** Kernel invocations per run. */
  nodes: number;
}

interface TraceEvent {
  cat?: string;
  name?: string;
  ts?: number;
  dur?: number;
  args?: { op_name?: string };
}

/**
 * Profiles `runs` runs (after one warm-up run) of a model on one input.
 * @param bytes the model
 * @param input input name, data and shape
 * @param runs profiled runs [10]
 * @param threads intra-op threads [1]
 * @returns operator types by decreasing time
 */
export async function profileOps(
  bytes: Uint8Array,
  input: { name: string; data: Float32Array; dims: readonly number[] },
  runs = 10,
  threads = 1,
): Promise<OpTime[]> {
  const dir = await Deno.makeTempDir({ prefix: "pb-profile-" });
  try {
    const session = await createSession(bytes, "ort-node:cpu", { threads, profilePrefix: join(dir, "ort") });
    const feeds = { [input.name]: { data: input.data, dims: input.dims } };
    for (let i = 0; i <= runs; i++) await session.run(feeds);
    await session.release();
    const file = [...Deno.readDirSync(dir)].find((e) => e.name.endsWith(".json"));
    if (!file) throw new Error(`onnxruntime wrote no profile in ${dir}`);
    const events = JSON.parse(await Deno.readTextFile(join(dir, file.name))) as TraceEvent[];
    // Leave out the warm-up: everything up to the end of the first model run.
    const modelRuns = events.filter((e) => e.cat === "Session" && e.name === "model_run").sort((a, b) => a.ts! - b.ts!);
    const after = modelRuns.length > 0 ? modelRuns[0]!.ts! + modelRuns[0]!.dur! : -Infinity;
    const byOp = new Map<string, { us: number; n: number }>();
    let total = 0;
    for (const e of events) {
      if (e.cat !== "Node" || !e.name?.endsWith("_kernel_time") || (e.ts ?? 0) < after) continue;
      const op = e.args?.op_name ?? "?";
      const s = byOp.get(op) ?? { us: 0, n: 0 };
      s.us += e.dur ?? 0;
      s.n++;
      byOp.set(op, s);
      total += e.dur ?? 0;
    }
    return [...byOp.entries()]
      .map(([op, s]) => ({ op, us_per_run: s.us / runs, share: total > 0 ? s.us / total : 0, nodes: s.n / runs }))
      .sort((a, b) => b.us_per_run - a.us_per_run);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
}
