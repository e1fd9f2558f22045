/** Cosine distances, blocked GEMM kernels and the fused face + body distance; pair-matrix layouts. @module */
export * from "./cosine.ts";
export * from "./fused.ts";
export * from "./layout.ts";
export { createWasmSimdGemm } from "./wasm_gemm.ts";
export { thresholdEdgesParallel } from "./_parallel.ts";
