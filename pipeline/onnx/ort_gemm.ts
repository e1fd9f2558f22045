/**
 * An onnxruntime-node `Gemm` (transB) as the clustering's {@link AsyncGemmProvider}: blocks of the
 * similarity matrix are computed by ONNX Runtime's CPU GEMM (MLAS), ~40× faster here than a plain
 * typed-array loop. The model is a one-node graph built in memory.
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";
import * as ort from "onnxruntime-node";
import type { AsyncGemmProvider } from "../../algorithms/distance/cosine.ts";
import { encodeNode } from "./graph.ts";
import { concatBytes, lenField, varintField } from "./protobuf.ts";

const FLOAT = 1;

function valueInfo(name: string, dims: (number | string)[]): Uint8Array {
  const shape = concatBytes(
    dims.map((d) => lenField(1, typeof d === "number" ? varintField(1, d) : lenField(2, d))),
  );
  const tensorType = concatBytes([varintField(1, FLOAT), lenField(2, shape)]);
  return concatBytes([lenField(1, name), lenField(2, lenField(1, tensorType))]);
}

/** Encodes `y = Gemm(a[M, K], b[N, K], transB = 1)` (y = a·bᵀ) with symbolic M, K, N. */
export function gemmModel(): Uint8Array {
  // AttributeProto { name = 1, i = 3, type = 20 (INT = 2) } in NodeProto field 5.
  const transB = concatBytes([lenField(1, "transB"), varintField(3, 1), varintField(20, 2)]);
  const node = concatBytes([encodeNode("Gemm", ["a", "b"], ["y"], "gemm"), lenField(5, transB)]);
  const graph = concatBytes([
    lenField(1, node),
    lenField(2, "gemm"),
    lenField(11, valueInfo("a", ["M", "K"])),
    lenField(11, valueInfo("b", ["N", "K"])),
    lenField(12, valueInfo("y", ["M", "N"])),
  ]);
  return concatBytes([
    varintField(1, 7),
    lenField(2, "peoplebench"),
    lenField(7, graph),
    lenField(8, concatBytes([lenField(1, ""), varintField(2, 13)])),
  ]);
}

/** Input bytes between two forced collections (≈ 16 runs of 1,024-row blocks at d = 128). */
const GC_EVERY_BYTES = 8 << 20;

let gcFunction: ((options?: { type: string }) => void) | null | undefined;

/** A full V8 collection (`--expose-gc` switched on at run time, as Node's vm allows); no-op if refused. */
function collectGarbage(): void {
  if (gcFunction === undefined) {
    try {
      v8.setFlagsFromString("--expose-gc");
      gcFunction = vm.runInNewContext("gc") as (options?: { type: string }) => void;
    } catch {
      gcFunction = null;
    }
  }
  gcFunction?.({ type: "minor" });
}

/**
 * Creates the onnxruntime GEMM provider.
 * @param options `threads`: intra-op threads (0 = onnxruntime's default) [1]
 * @returns a provider whose name records the thread count
 */
export async function createOrtGemm(options: { threads?: number } = {}): Promise<AsyncGemmProvider> {
  const threads = options.threads ?? 1;
  const create = () =>
    ort.InferenceSession.create(gemmModel(), {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      logSeverityLevel: 3,
      // No arena: the outputs are copied out at once, and an arena would keep the peak block allocated.
      enableCpuMemArena: false,
      enableMemPattern: false,
      ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    });
  let session: ort.InferenceSession | null = await create();
  let pending = 0;
  return {
    name: `onnxruntime-gemm(threads=${threads})`,
    async abt(a, aRows, b, bRows, dim, out) {
      session ??= await create();
      // Each run leaves native buffers behind that only V8's collector frees, and it does not see their
      // size: at N = 20,000 (200 runs of 1,024² blocks) ≈ 70–90 MB piled up next to the 800 MB matrix.
      pending += (aRows + bRows) * dim * 4;
      if (pending > GC_EVERY_BYTES) {
        pending = 0;
        collectGarbage();
      }
      // Pre-allocated output: onnxruntime writes the product straight into `out` (no copy, no garbage).
      const y = new ort.Tensor("float32", out.subarray(0, aRows * bRows), [aRows, bRows]);
      await session.run({
        a: new ort.Tensor("float32", a.subarray(0, aRows * dim), [aRows, dim]),
        b: new ort.Tensor("float32", b.subarray(0, bRows * dim), [bRows, dim]),
      }, { y });
      if (y.data !== out && (y.data as Float32Array).buffer !== out.buffer) out.set(y.data as Float32Array);
    },
    async trim() {
      // The session's thread pool and kernel buffers go; the next product re-creates the session.
      await session?.release();
      session = null;
      pending = 0;
      collectGarbage();
    },
  };
}
