/**
 * Writes a trained head into the backbone's ONNX graph: the backbone cut at its feature map, then
 * depthwise Conv (the GDConv) → Flatten → Gemm → BatchNormalization, weights as initializers. The result is a
 * 112×112 face model with MobileFaceNet's preprocessing that `pb embed --face-model PATH.onnx` loads as is.
 * @module
 */
import { cutGraph } from "../pipeline/onnx/cut.ts";
import { FEATURE_TENSOR } from "./features.ts";
import { BN_EPS, type EmbeddingHead } from "./head.ts";

/** Name of the exported model's output. */
export const EMBEDDING_OUTPUT = "embedding";

/** The backbone's bytes with `head` appended (float32 weights). */
export function exportHeadModel(backbone: Uint8Array, head: EmbeddingHead): Uint8Array {
  const { channels, side, embeddingDim: d } = head.shape;
  const f32 = (x: Float64Array) => Float32Array.from(x);
  const prefix = "pb_head";
  return cutGraph(backbone, {
    output: FEATURE_TENSOR,
    dims: ["batch", channels, side, side],
    append: {
      nodes: [
        {
          op: "Conv",
          name: `${prefix}/gdconv`,
          inputs: [FEATURE_TENSOR, `${prefix}.gdconv`],
          outputs: [`${prefix}/pooled`],
          attributes: { group: { int: channels }, kernel_shape: { ints: [side, side] } },
        },
        {
          op: "Flatten",
          name: `${prefix}/flatten`,
          inputs: [`${prefix}/pooled`],
          outputs: [`${prefix}/flat`],
          attributes: { axis: { int: 1 } },
        },
        {
          op: "Gemm",
          name: `${prefix}/linear`,
          inputs: [`${prefix}/flat`, `${prefix}.weight`, `${prefix}.bias`],
          outputs: [`${prefix}/hidden`],
          attributes: { transB: { int: 1 } },
        },
        {
          op: "BatchNormalization",
          name: `${prefix}/bn`,
          inputs: [`${prefix}/hidden`, `${prefix}.gamma`, `${prefix}.beta`, `${prefix}.mean`, `${prefix}.var`],
          outputs: [EMBEDDING_OUTPUT],
          attributes: { epsilon: { float: BN_EPS } },
        },
      ],
      initializers: [
        { name: `${prefix}.gdconv`, dims: [channels, 1, side, side], values: f32(head.gdconv.value) },
        { name: `${prefix}.weight`, dims: [d, channels], values: f32(head.weight.value) },
        { name: `${prefix}.bias`, dims: [d], values: f32(head.bias.value) },
        { name: `${prefix}.gamma`, dims: [d], values: f32(head.gamma.value) },
        { name: `${prefix}.beta`, dims: [d], values: f32(head.beta.value) },
        { name: `${prefix}.mean`, dims: [d], values: f32(head.runningMean) },
        { name: `${prefix}.var`, dims: [d], values: f32(head.runningVar) },
      ],
      output: EMBEDDING_OUTPUT,
      dims: ["batch", d],
    },
  });
}
