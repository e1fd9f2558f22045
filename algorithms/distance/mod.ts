/** Cosine distances, blocked GEMM kernels and the fused face + body distance. @module */
export * from "./cosine.ts";
export * from "./fused.ts";
