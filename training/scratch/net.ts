/**
 * The Figure 5 backbone ({@link BackboneSpec}, pipeline/onnx/backbone.ts) as a tfjs network for training from
 * scratch. The same walk over the description as the ONNX builder, the same tensor names
 * ({@link backboneParameters}), so trained weights go back to the builder by name ({@link ScratchNet.onnxWeights}).
 * Layout NHWC; 1×1 convolutions run as MatMul; the other convolutions pad explicitly (symmetric, as ONNX) and use
 * the custom-gradient ops of ./ops.ts. Batch norm uses the batch's statistics while training and keeps running
 * statistics (PyTorch's: momentum 0.1, unbiased variance) for inference and export.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../algorithms/random/rng.ts";
import { normalInit } from "../../algorithms/training/sampling.ts";
import { backboneParameters, type BackboneSpec, type ParameterInfo } from "../../pipeline/onnx/backbone.ts";
import { conv2dValid, depthwiseValid, padSpatial, pointwise } from "./ops.ts";

/** Batch norm's epsilon (the builder writes the same). */
const BN_EPS = 1e-5;
/** Running-statistics momentum (PyTorch's default). */
const BN_MOMENTUM = 0.1;

/** How an ONNX conv weight [out, in/groups, k, k] is laid out in tfjs. */
type ConvLayout = "matmul" | "depthwise" | "conv";

function convLayout(shape: readonly number[]): ConvLayout {
  if (shape[2] === 1 && shape[3] === 1) return "matmul";
  return shape[1] === 1 ? "depthwise" : "conv";
}

/** ONNX-layout values → the tfjs tensor the net uses. */
function toTf(info: ParameterInfo, values: Float32Array): tf.Tensor {
  const s = info.shape;
  if (info.role === "conv") {
    const t = tf.tensor4d(values, s as [number, number, number, number]);
    const layout = convLayout(s);
    if (layout === "matmul") return tf.reshape(tf.transpose(t, [2, 3, 1, 0]), [s[1]!, s[0]!]);
    if (layout === "depthwise") return tf.transpose(t, [2, 3, 0, 1]); // [k, k, C, 1]
    return tf.transpose(t, [2, 3, 1, 0]); // [k, k, in, out]
  }
  return tf.tensor1d(values); // biases, batch norm, PReLU slopes ([c, 1, 1] in ONNX)
}

/** The tfjs tensor → ONNX-layout values. */
async function toOnnx(info: ParameterInfo, t: tf.Tensor): Promise<Float32Array> {
  if (info.role !== "conv") return Float32Array.from(await t.data());
  const s = info.shape;
  const layout = convLayout(s);
  const o = tf.tidy(() => {
    const k = tf.reshape(t, layout === "matmul" ? [1, 1, s[1]!, s[0]!] : [s[2]!, s[3]!, t.shape[2]!, t.shape[3]!]);
    return tf.transpose(k, layout === "depthwise" ? [2, 3, 0, 1] : [3, 2, 0, 1]);
  });
  const values = Float32Array.from(await o.data());
  o.dispose();
  return values;
}

/** Seeded initial values in ONNX layout: He-normal convolutions, identity batch norm, PReLU 0.25. */
export function initialWeights(spec: BackboneSpec, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed).fork("scratch-init");
  const out = new Map<string, Float32Array>();
  for (const p of backboneParameters(spec)) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    let v: Float32Array;
    if (p.role === "conv") {
      v = Float32Array.from(normalInit(n, { fanIn: p.shape[1]! * p.shape[2]! * p.shape[3]!, rng }));
    } else if (p.role === "bn_scale" || p.role === "bn_var") v = new Float32Array(n).fill(1);
    else if (p.role === "prelu") v = new Float32Array(n).fill(0.25);
    else v = new Float32Array(n);
    out.set(p.name, v);
  }
  return out;
}

/** A trainable tensor of the net: its ONNX name and whether weight decay applies. */
export interface NetParameter {
  info: ParameterInfo;
  variable: tf.Variable;
  /** Convolution weights decay; biases, batch norm and PReLU slopes do not. */
  decay: boolean;
}

/** The backbone in tfjs. Call {@link ScratchNet.dispose} when done. */
export class ScratchNet {
  readonly infos: ParameterInfo[];
  private readonly vars = new Map<string, tf.Variable>();
  readonly inputSize: number;
  private updateStats = false;

  /**
   * @param spec the description (its `inputSize` is the training resolution)
   * @param weights initial values in ONNX layout by name (e.g. {@link initialWeights})
   */
  constructor(readonly spec: BackboneSpec, weights: ReadonlyMap<string, Float32Array>) {
    this.infos = backboneParameters(spec);
    this.inputSize = spec.inputSize ?? 112;
    for (const info of this.infos) {
      const values = weights.get(info.name);
      if (!values) throw new RangeError(`ScratchNet: no initial value for ${info.name}`);
      // tfjs names variables uniquely itself: several nets (and tests) may be alive at once.
      this.vars.set(info.name, tf.tidy(() => tf.variable(toTf(info, values), info.trainable)));
    }
  }

  /** Learned tensors (batch-norm running statistics excluded). */
  parameters(): NetParameter[] {
    return this.infos.filter((i) => i.trainable).map((info) => ({
      info,
      variable: this.vars.get(info.name)!,
      decay: info.role === "conv",
    }));
  }

  /** Count of learned values. */
  parameterCount(): number {
    return this.parameters().reduce((a, p) => a + p.variable.size, 0);
  }

  /** Every tensor (running statistics included) in ONNX layout, for {@link buildBackbone}'s `weights`. */
  async onnxWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const info of this.infos) out.set(info.name, await toOnnx(info, this.vars.get(info.name)!));
    return out;
  }

  private v(name: string): tf.Variable {
    const t = this.vars.get(name);
    if (!t) throw new RangeError(`ScratchNet: no tensor ${name}`);
    return t;
  }

  private batchNorm(x: tf.Tensor4D, name: string, training: boolean): tf.Tensor4D {
    const update = this.updateStats;
    const scale = this.v(`${name}.bn.scale`), bias = this.v(`${name}.bn.bias`);
    const runMean = this.v(`${name}.bn.mean`), runVar = this.v(`${name}.bn.var`);
    if (!training) return tf.add(tf.mul(tf.sub(x, runMean), tf.mul(tf.rsqrt(tf.add(runVar, BN_EPS)), scale)), bias);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    const m = x.size / x.shape[3];
    if (update) {
      // Running statistics: not part of the gradient (assign is not taped).
      runMean.assign(tf.add(tf.mul(runMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      runVar.assign(tf.add(tf.mul(runVar, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * m) / Math.max(1, m - 1))));
    }
    return tf.add(tf.mul(tf.sub(x, mean), tf.mul(tf.rsqrt(tf.add(variance, BN_EPS)), scale)), bias);
  }

  private act(x: tf.Tensor4D, name: string): tf.Tensor4D {
    if (this.spec.activation === "relu") return tf.relu(x);
    if (this.spec.activation === "hswish") return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    return tf.prelu(x, this.v(`${name}.prelu`) as tf.Tensor as tf.Tensor4D);
  }

  /** Conv (k×k, stride, groups 1 or depthwise) → BN → optional activation, as the builder's `Emitter.conv`. */
  private conv(
    x: tf.Tensor4D,
    name: string,
    k: number,
    stride: number,
    depthwise: boolean,
    act: boolean,
    training: boolean,
  ): tf.Tensor4D {
    const w = this.v(`${name}.conv.weight`);
    const [, h, wd, c] = x.shape;
    let y: tf.Tensor4D;
    if (k === 1) y = pointwise(x, w as tf.Variable<tf.Rank.R2>);
    else if (depthwise && k === h && k === wd && stride === 1) {
      // GDConv: a depthwise filter as large as the map, no padding: a weighted sum per channel.
      y = tf.reshape(tf.sum(tf.mul(x, tf.reshape(w, [1, k, k, c])), [1, 2]), [x.shape[0], 1, 1, c]);
    } else {
      const xp = padSpatial(x, Math.floor(k / 2));
      y = depthwise ? depthwiseValid(xp, w as tf.Tensor4D, stride) : conv2dValid(xp, w as tf.Tensor4D, stride);
    }
    y = this.batchNorm(y, name, training);
    return act ? this.act(y, name) : y;
  }

  private se(x: tf.Tensor4D, name: string): tf.Tensor4D {
    const [n, , , c] = x.shape;
    const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
    const r = this.v(`${name}.se.reduce.weight`) as tf.Variable<tf.Rank.R2>;
    const s1 = tf.relu(tf.add(tf.matMul(pooled, r), this.v(`${name}.se.reduce.bias`)));
    const e = this.v(`${name}.se.expand.weight`) as tf.Variable<tf.Rank.R2>;
    const gate = tf.clipByValue(
      tf.add(tf.div(tf.add(tf.matMul(s1, e), this.v(`${name}.se.expand.bias`)), 6), 0.5),
      0,
      1,
    );
    return tf.mul(x, tf.reshape(gate, [n, 1, 1, c]));
  }

  /**
   * The un-normalised embedding ("features" of the ONNX graph) of a batch.
   * @param x [N, S, S, 3] normalised RGB ((v − 127.5) / 128)
   * @param training batch statistics when true (running statistics otherwise)
   * @param updateStats fold the batch statistics into the running ones [training]
   * @returns [N, embedding]
   */
  forward(x: tf.Tensor4D, training: boolean, updateStats = training): tf.Tensor2D {
    this.updateStats = training && updateStats;
    const spec = this.spec;
    const levels = spec.levels.map((l) => ({ ...l, depth: Math.ceil(l.depth * (spec.depth ?? 1)), se: l.se ?? true }));
    let y = this.conv(x, "stem", 3, 2, false, true, training);
    levels.forEach((level, li) => {
      const p = `level${li}`;
      y = this.conv(y, `${p}.down.dw`, 3, 2, true, true, training);
      y = this.conv(y, `${p}.down.pw`, 1, 1, false, false, training);
      for (let b = 0; b < level.depth; b++) {
        const q = `${p}.block${b}`;
        let z = this.conv(y, `${q}.expand`, 1, 1, false, true, training);
        z = this.conv(z, `${q}.dw`, 3, 1, true, true, training);
        if (level.se) z = this.se(z, q);
        z = this.conv(z, `${q}.project`, 1, 1, false, false, training);
        y = tf.add(y, z);
      }
    });
    y = this.conv(y, "head", 1, 1, false, true, training);
    y = this.conv(y, "gdconv", y.shape[1], 1, true, false, training);
    y = this.conv(y, "embedding", 1, 1, false, false, training);
    return tf.reshape(y, [y.shape[0], y.shape[3]]);
  }

  /** Frees the variables. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
