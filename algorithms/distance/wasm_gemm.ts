/**
 * A WebAssembly SIMD (128-bit) GEMM `A·Bᵀ` as a synchronous {@link GemmProvider}: the blocks are copied
 * into the module's memory (rows padded to the kernel's 4 × 2 tile, the dimension to a multiple of 4 with
 * zeros), multiplied with f32x4 accumulators, and copied out. Dependency-free (the bytes are compiled in
 * from `wasm/gemm_simd.wat`) and synchronous, unlike onnxruntime. Sums are float32 (four lanes, added at
 * the end), like onnxruntime's; the typed-array `JS_GEMM` sums in float64.
 * @module
 */
import type { GemmProvider } from "./gemm.ts";
import { GEMM_SIMD_WASM_BASE64 } from "./wasm/_gemm_simd_wasm.ts";

interface Kernel {
  memory: WebAssembly.Memory;
  abt(a: number, aRows: number, b: number, bRows: number, dim: number, out: number): void;
}

function decode(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null | undefined;

/** Compiles the kernel once; null when this runtime has no WebAssembly SIMD. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(decode(GEMM_SIMD_WASM_BASE64) as Uint8Array<ArrayBuffer>);
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const up = (x: number, m: number): number => Math.ceil(x / m) * m;

/**
 * Creates a WebAssembly SIMD GEMM provider (each provider has its own module memory, grown on demand).
 * @returns the provider, or null when the runtime cannot compile WebAssembly SIMD
 */
export function createWasmSimdGemm(): GemmProvider | null {
  const mod = kernelModule();
  if (!mod) return null;
  const kernel = new WebAssembly.Instance(mod).exports as unknown as Kernel;
  let view = new Float32Array(kernel.memory.buffer);
  const ensure = (floats: number): void => {
    const bytes = floats * 4;
    const have = kernel.memory.buffer.byteLength;
    if (bytes > have) kernel.memory.grow(Math.ceil((bytes - have) / 65536));
    if (view.buffer !== kernel.memory.buffer) view = new Float32Array(kernel.memory.buffer);
  };
  /** Copies `rows` rows of length `dim` to float offset `at` with row length `padDim`, zero padding. */
  const put = (src: Float32Array, rows: number, padRows: number, dim: number, padDim: number, at: number): void => {
    if (padDim === dim) view.set(src.subarray(0, rows * dim), at);
    else {
      for (let r = 0; r < rows; r++) {
        view.set(src.subarray(r * dim, (r + 1) * dim), at + r * padDim);
        view.fill(0, at + r * padDim + dim, at + (r + 1) * padDim);
      }
    }
    view.fill(0, at + rows * padDim, at + padRows * padDim);
  };
  // The blocked loops pass one A block against many B blocks and say so (`sameA`): its copy in the
  // module is then reused, if the shapes match and the memory did not move.
  let lastA: { rows: number; dim: number } | null = null;
  return {
    name: "wasm-simd",
    abt(a, aRows, b, bRows, dim, out, sameA = false) {
      if (aRows === 0 || bRows === 0) return;
      const padDim = up(dim, 4), padA = up(aRows, 4), padB = up(bRows, 2);
      // Float offsets, each a multiple of 4 floats (16 bytes) as v128 loads like.
      const aAt = 0, bAt = up(padA * padDim, 4), outAt = bAt + up(padB * padDim, 4);
      const grown = view.buffer !== kernel.memory.buffer || (outAt + padA * padB) * 4 > view.byteLength;
      ensure(outAt + padA * padB);
      if (!(sameA && !grown && lastA?.rows === aRows && lastA.dim === dim)) put(a, aRows, padA, dim, padDim, aAt);
      lastA = { rows: aRows, dim };
      put(b, bRows, padB, dim, padDim, bAt);
      kernel.abt(aAt * 4, padA, bAt * 4, padB, padDim, outAt * 4);
      if (padB === bRows) out.set(view.subarray(outAt, outAt + aRows * bRows));
      else {for (let r = 0; r < aRows; r++) {
          out.set(view.subarray(outAt + r * padB, outAt + r * padB + bRows), r * bRows);
        }}
    },
  };
}
