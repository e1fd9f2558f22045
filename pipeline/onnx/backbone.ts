/**
 * The article's face-embedding backbone (its Figure 5) as an ONNX graph built from a small description:
 * a strided 3×3 stem, then per level a shallow strided module (depthwise 3×3 stride 2 and a 1×1 projection)
 * followed by a deep module of inverted-residual bottlenecks (1×1 expansion by the level's ratio, depthwise 3×3,
 * squeeze-and-excitation on the expanded map, 1×1 linear projection, residual when shapes match), batch norm
 * after every convolution, one activation throughout (ReLU, PReLU or h-swish), a 1×1 head, a GDConv (global
 * depthwise) embedding head and L2 normalisation.
 *
 * The same description serves a seeded initialiser and trained weights handed in by name
 * ({@link backboneParameters} lists every tensor, its shape and role). Parameters and multiply–adds are counted
 * while the graph is built; {@link graphCost} recounts them from the encoded graph.
 * @module
 */
import { Rng } from "../../algorithms/random/rng.ts";
import { OnnxGraphBuilder } from "./onnx_builder.ts";
import { parseMessage } from "./protobuf.ts";
import { fieldText, repeatedInts } from "./protobuf.ts";

/** Activation after expansions, depthwise convolutions, the stem and the head. */
export type Activation = "relu" | "prelu" | "hswish";
/** The activations {@link buildBackbone} knows. */
export const ACTIVATIONS: readonly Activation[] = ["relu", "prelu", "hswish"];

/** One level: a shallow strided module, then a deep module of bottlenecks. */
export interface LevelSpec {
  /** Output channels (before the width multiplier). */
  channels: number;
  /** Bottlenecks in the deep module (before the depth multiplier; 0 = none). */
  depth: number;
  /** Expansion ratio of the bottlenecks' 1×1 expansion. */
  expansion: number;
  /** Squeeze-and-excitation on the expanded map [true]. */
  se?: boolean;
}

/** A backbone description. */
export interface BackboneSpec {
  /** Name written into the graph ["backbone"]. */
  name?: string;
  /** Square input side in pixels (RGB, NCHW) [112]. */
  inputSize?: number;
  /** Channels of the 3×3 stride-2 stem. */
  stem: number;
  /** Levels, each halving the resolution. */
  levels: readonly LevelSpec[];
  /** Channels of the 1×1 convolution before the GDConv head. */
  head: number;
  /** Embedding width (not scaled by the width multiplier). */
  embedding: number;
  activation: Activation;
  /** Squeeze-and-excitation reduction (squeezed width = expanded / r, at least 8) [4]. */
  seReduction?: number;
  /** Width multiplier on every channel count except the embedding (rounded to a multiple of 8) [1]. */
  width?: number;
  /** Depth multiplier on every level's bottleneck count (rounded up) [1]. */
  depth?: number;
}

/** Role of a parameter tensor, for initialisers and trainers. */
export type ParameterRole = "conv" | "bias" | "bn_scale" | "bn_bias" | "bn_mean" | "bn_var" | "prelu";

/** One tensor of the backbone. */
export interface ParameterInfo {
  name: string;
  shape: number[];
  role: ParameterRole;
  /** False for batch-norm running statistics (buffers, not learned). */
  trainable: boolean;
}

/** A built backbone. */
export interface BuiltBackbone {
  /** The encoded ONNX model: input `input` [N, 3, S, S], outputs `embedding` (unit rows) and `features`. */
  bytes: Uint8Array;
  /** Learned parameters (convolutions, biases, batch-norm scale and shift, PReLU slopes). */
  parameters: number;
  /** Batch-norm running means and variances. */
  buffers: number;
  /** Multiply–adds of one image (convolutions, including SE and the embedding head). */
  macs: number;
  /** Every tensor in graph order. */
  tensors: ParameterInfo[];
  /** The resolved description (multipliers applied). */
  resolved: {
    stem: number;
    levels: { channels: number; depth: number; expansion: number; se: boolean }[];
    head: number;
  };
}

/** Options of {@link buildBackbone}. */
export interface BuildOptions {
  /** Seed of the initialiser (He-normal convolutions, identity batch norm, PReLU 0.25) [1]. */
  seed?: number;
  /** Trained tensors by name (see {@link backboneParameters}); every tensor must be given when present. */
  weights?: ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;
  /**
   * Side of the graph's input when it differs from the network's `inputSize`: a bilinear Resize (half-pixel
   * centres, no antialiasing; tfjs's `resizeBilinear(…, false, true)`) maps it to `inputSize` first. Lets a net
   * trained at 64×64 take the pipeline's 112×112 aligned crops unchanged. [inputSize]
   */
  resizeFrom?: number;
}

/** Rounds channels to a multiple of 8 (at least 8), not below 90% of the target, as MobileNets do. */
export function roundChannels(c: number): number {
  const r = Math.max(8, Math.round(c / 8) * 8);
  return r < 0.9 * c ? r + 8 : r;
}

function resolve(spec: BackboneSpec): BuiltBackbone["resolved"] {
  const w = spec.width ?? 1, d = spec.depth ?? 1;
  if (!(w > 0) || !(d >= 0)) throw new RangeError(`width must be > 0 and depth ≥ 0, got ${w} and ${d}`);
  if (!ACTIVATIONS.includes(spec.activation)) {
    throw new RangeError(`activation must be one of ${ACTIVATIONS.join(", ")}, got "${spec.activation}"`);
  }
  return {
    stem: roundChannels(spec.stem * w),
    levels: spec.levels.map((l) => ({
      channels: roundChannels(l.channels * w),
      depth: Math.ceil(l.depth * d),
      expansion: l.expansion,
      se: l.se ?? true,
    })),
    head: roundChannels(spec.head * w),
  };
}

/** Accumulates tensors (from an initialiser or handed in), counts, and writes the graph. */
class Emitter {
  readonly g: OnnxGraphBuilder;
  readonly tensors: ParameterInfo[] = [];
  parameters = 0;
  buffers = 0;
  macs = 0;
  private readonly rng: Rng;

  constructor(
    name: string,
    readonly activation: Activation,
    seed: number,
    private readonly weights: ((name: string) => Float32Array | undefined) | null,
    private readonly dryRun: boolean,
  ) {
    this.g = new OnnxGraphBuilder(name, 17);
    this.rng = new Rng(seed);
  }

  tensor(name: string, shape: number[], role: ParameterRole, init: () => Float32Array): string {
    const trainable = role !== "bn_mean" && role !== "bn_var";
    const n = shape.reduce((a, b) => a * b, 1);
    this.tensors.push({ name, shape, role, trainable });
    if (trainable) this.parameters += n;
    else this.buffers += n;
    if (this.dryRun) return name;
    let values: Float32Array | undefined;
    if (this.weights) {
      values = this.weights(name);
      if (!values) throw new RangeError(`weights: missing tensor ${name} [${shape.join(", ")}]`);
      if (values.length !== n) {
        throw new RangeError(
          `weights: tensor ${name} has ${values.length} values, shape [${shape.join(", ")}] needs ${n}`,
        );
      }
    } else values = init();
    return this.g.initializer(name, shape, values);
  }

  /** Conv (no bias unless asked) → BN → optional activation. */
  conv(
    x: string,
    shape: [number, number, number],
    name: string,
    out: number,
    k: number,
    stride: number,
    groups: number,
    act: boolean,
    bn = true,
  ): { y: string; shape: [number, number, number] } {
    const [c, h, w] = shape;
    const pad = k === h && k === w && stride === 1 && groups === c ? 0 : Math.floor(k / 2);
    const ho = Math.floor((h + 2 * pad - k) / stride) + 1, wo = Math.floor((w + 2 * pad - k) / stride) + 1;
    const fanIn = (c / groups) * k * k;
    const wt = this.tensor(
      `${name}.conv.weight`,
      [out, c / groups, k, k],
      "conv",
      () => this.normal(out * fanIn, fanIn),
    );
    this.macs += out * ho * wo * fanIn;
    let y = this.g.node("Conv", [x, wt], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
      group: groups,
    });
    if (bn) y = this.batchNorm(y, out, name);
    if (act) y = this.act(y, out, name);
    return { y, shape: [out, ho, wo] };
  }

  batchNorm(x: string, c: number, name: string): string {
    const s = this.tensor(`${name}.bn.scale`, [c], "bn_scale", () => new Float32Array(c).fill(1));
    const b = this.tensor(`${name}.bn.bias`, [c], "bn_bias", () => new Float32Array(c));
    const m = this.tensor(`${name}.bn.mean`, [c], "bn_mean", () => new Float32Array(c));
    const v = this.tensor(`${name}.bn.var`, [c], "bn_var", () => new Float32Array(c).fill(1));
    return this.g.node("BatchNormalization", [x, s, b, m, v], { epsilon: { float: 1e-5 } });
  }

  act(x: string, c: number, name: string): string {
    if (this.activation === "relu") return this.g.node("Relu", [x]);
    if (this.activation === "hswish") return this.g.node("HardSwish", [x]);
    const a = this.tensor(`${name}.prelu`, [c, 1, 1], "prelu", () => new Float32Array(c).fill(0.25));
    return this.g.node("PRelu", [x, a]);
  }

  /** Squeeze-and-excitation: global pool → 1×1 reduce → ReLU → 1×1 expand → hard sigmoid → scale. */
  se(x: string, c: number, name: string, reduction: number): string {
    const r = Math.max(8, roundChannels(c / reduction));
    const pooled = this.g.node("GlobalAveragePool", [x]);
    const w1 = this.tensor(`${name}.se.reduce.weight`, [r, c, 1, 1], "conv", () => this.normal(r * c, c));
    const b1 = this.tensor(`${name}.se.reduce.bias`, [r], "bias", () => new Float32Array(r));
    const w2 = this.tensor(`${name}.se.expand.weight`, [c, r, 1, 1], "conv", () => this.normal(c * r, r));
    const b2 = this.tensor(`${name}.se.expand.bias`, [c], "bias", () => new Float32Array(c));
    this.macs += 2 * r * c;
    const s1 = this.g.node("Relu", [this.g.node("Conv", [pooled, w1, b1], { kernel_shape: [1, 1] })]);
    const gate = this.g.node("HardSigmoid", [this.g.node("Conv", [s1, w2, b2], { kernel_shape: [1, 1] })], {
      alpha: { float: 1 / 6 },
      beta: { float: 0.5 },
    });
    return this.g.node("Mul", [x, gate]);
  }

  private normal(n: number, fanIn: number): Float32Array {
    const std = Math.sqrt(2 / fanIn);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.rng.normal() * std;
    return out;
  }
}

function emit(spec: BackboneSpec, options: BuildOptions, dryRun: boolean): BuiltBackbone {
  const resolved = resolve(spec);
  const size = spec.inputSize ?? 112;
  const weights = options.weights
    ? (options.weights instanceof Map
      ? (n: string) => (options.weights as ReadonlyMap<string, Float32Array>).get(n)
      : (n: string) => (options.weights as Readonly<Record<string, Float32Array>>)[n])
    : null;
  const e = new Emitter(spec.name ?? "backbone", spec.activation, options.seed ?? 1, weights, dryRun);
  const g = e.g;
  const from = options.resizeFrom ?? size;
  let x = g.input("input", ["batch", 3, from, from]);
  if (from !== size) {
    const f = size / from;
    const scales = dryRun ? "resize_scales" : g.initializer("resize_scales", [4], Float32Array.of(1, 1, f, f));
    x = g.node("Resize", [x, "", scales], {
      mode: { string: "linear" },
      coordinate_transformation_mode: { string: "half_pixel" },
    });
  }
  let shape: [number, number, number] = [3, size, size];
  ({ y: x, shape } = e.conv(x, shape, "stem", resolved.stem, 3, 2, 1, true));
  resolved.levels.forEach((level, li) => {
    const p = `level${li}`;
    // Shallow strided module: depthwise 3×3 stride 2, then a linear 1×1 projection to the level's width.
    ({ y: x, shape } = e.conv(x, shape, `${p}.down.dw`, shape[0], 3, 2, shape[0], true));
    ({ y: x, shape } = e.conv(x, shape, `${p}.down.pw`, level.channels, 1, 1, 1, false));
    // Deep module: inverted-residual bottlenecks at constant shape, each with a residual connection.
    for (let b = 0; b < level.depth; b++) {
      const q = `${p}.block${b}`;
      const c = shape[0], hidden = roundChannels(c * level.expansion);
      let y: string, s: [number, number, number];
      ({ y, shape: s } = e.conv(x, shape, `${q}.expand`, hidden, 1, 1, 1, true));
      ({ y, shape: s } = e.conv(y, s, `${q}.dw`, hidden, 3, 1, hidden, true));
      if (level.se) y = e.se(y, hidden, q, spec.seReduction ?? 4);
      ({ y, shape: s } = e.conv(y, s, `${q}.project`, c, 1, 1, 1, false));
      x = g.node("Add", [x, y]);
    }
  });
  ({ y: x, shape } = e.conv(x, shape, "head", resolved.head, 1, 1, 1, true));
  // GDConv: a depthwise convolution as large as the map (no padding) replaces global pooling.
  if (shape[1] !== shape[2]) throw new RangeError(`GDConv needs a square map, got ${shape[1]}×${shape[2]}`);
  ({ y: x, shape } = e.conv(x, shape, "gdconv", shape[0], shape[1], 1, shape[0], false));
  ({ y: x, shape } = e.conv(x, shape, "embedding", spec.embedding, 1, 1, 1, false));
  const features = g.node("Flatten", [x], { axis: 1 }, "features");
  const norm = g.node("ReduceL2", [features], { axes: [1], keepdims: 1 });
  const eps = dryRun ? "eps" : g.initializer("eps", [1], Float32Array.of(1e-12));
  g.node("Div", [features, g.node("Max", [norm, eps])], {}, "embedding");
  g.output("embedding", ["batch", spec.embedding]);
  g.output("features", ["batch", spec.embedding]);
  return {
    bytes: dryRun ? new Uint8Array(0) : g.encode(),
    parameters: e.parameters,
    buffers: e.buffers,
    macs: e.macs,
    tensors: e.tensors,
    resolved,
  };
}

/**
 * Builds the backbone's ONNX graph.
 * @param spec the architecture description
 * @param options seed of the initialiser, or trained weights by tensor name
 * @returns the model bytes and its counted parameters, buffers and multiply–adds
 * @throws {RangeError} for a bad description, or handed-in weights that miss a tensor or have the wrong size
 * @example
 * ```ts ignore
 * const { bytes, parameters, macs } = buildBackbone(BACKBONE_SIZES.m, { seed: 1 });
 * ```
 */
export function buildBackbone(spec: BackboneSpec, options: BuildOptions = {}): BuiltBackbone {
  return emit(spec, options, false);
}

/**
 * Every tensor the description needs, in graph order, with its shape and role: what a trainer fills in and
 * hands back through {@link BuildOptions.weights}. Builds nothing.
 */
export function backboneParameters(spec: BackboneSpec): ParameterInfo[] {
  return emit(spec, {}, true).tensors;
}

/** The article-shaped base: 112×112 → 56 (stem) → 28 → 14 → 7, 128-d embedding. */
export const ARTICLE_BACKBONE: BackboneSpec = {
  name: "article-backbone",
  inputSize: 112,
  stem: 32,
  levels: [
    { channels: 64, depth: 2, expansion: 2 },
    { channels: 96, depth: 4, expansion: 4 },
    { channels: 128, depth: 2, expansion: 4 },
  ],
  head: 512,
  embedding: 128,
  activation: "prelu",
};

/** Three sizes for the latency study, ≈ 0.5, 1 and 2 M parameters (width and depth multipliers of the base). */
export const BACKBONE_SIZES: Readonly<Record<"s" | "m" | "l", BackboneSpec>> = {
  s: { ...ARTICLE_BACKBONE, name: "article-backbone-s", width: 0.75, depth: 0.5 },
  m: { ...ARTICLE_BACKBONE, name: "article-backbone-m", width: 0.85, depth: 1 },
  l: { ...ARTICLE_BACKBONE, name: "article-backbone-l", width: 1.2, depth: 1 },
};

/** Parameters and multiply–adds recounted from an encoded graph (independent of the builder's running count). */
export interface GraphCost {
  /** Float values in all initializers (parameters + buffers). */
  initializerValues: number;
  /** Multiply–adds of Conv nodes for one image, with shapes propagated from the input. */
  macs: number;
  /** Nodes per operator type. */
  ops: Record<string, number>;
}

/**
 * Recounts a convolutional graph's cost from its bytes: initializer sizes, and Conv multiply–adds with spatial
 * shapes propagated through Conv (kernel, stride, pads) and GlobalAveragePool; other nodes keep their input's
 * spatial shape. For graphs like the backbone's, where only those change shapes.
 * @param model encoded ONNX model
 * @param inputSize square input side
 */
export function graphCost(model: Uint8Array, inputSize: number): GraphCost {
  const top = parseMessage(model);
  const graph = parseMessage(top.find((f) => f.no === 7)!.data);
  const dims = new Map<string, number[]>();
  let initializerValues = 0;
  for (const f of graph.filter((f) => f.no === 5)) {
    const t = parseMessage(f.data);
    const d = repeatedInts(t, 1);
    dims.set(fieldText(t.find((g) => g.no === 8)!), d);
    initializerValues += d.reduce((a, b) => a * b, 1);
  }
  const spatial = new Map<string, [number, number, number]>();
  for (const f of graph.filter((f) => f.no === 11)) {
    spatial.set(fieldText(parseMessage(f.data).find((g) => g.no === 1)!), [3, inputSize, inputSize]);
  }
  let macs = 0;
  const ops: Record<string, number> = {};
  for (const f of graph.filter((f) => f.no === 1)) {
    const node = parseMessage(f.data);
    const op = fieldText(node.find((g) => g.no === 4)!);
    ops[op] = (ops[op] ?? 0) + 1;
    const inputs = node.filter((g) => g.no === 1).map(fieldText);
    const out = fieldText(node.find((g) => g.no === 2)!);
    const attrs = new Map<string, number[]>();
    for (const a of node.filter((g) => g.no === 5)) {
      const m = parseMessage(a.data);
      const name = fieldText(m.find((g) => g.no === 1)!);
      const i = m.find((g) => g.no === 3);
      attrs.set(name, i ? [Number(i.varint)] : repeatedInts(m, 8));
    }
    const inShape = spatial.get(inputs[0]!) ?? null;
    if (op === "Conv" && inShape) {
      const w = dims.get(inputs[1]!)!;
      const [k, s, p] = [w[2]!, attrs.get("strides")?.[0] ?? 1, attrs.get("pads")?.[0] ?? 0];
      const ho = Math.floor((inShape[1] + 2 * p - k) / s) + 1, wo = Math.floor((inShape[2] + 2 * p - w[3]!) / s) + 1;
      macs += w[0]! * ho * wo * w[1]! * k * w[3]!;
      spatial.set(out, [w[0]!, ho, wo]);
    } else if (op === "GlobalAveragePool" && inShape) spatial.set(out, [inShape[0], 1, 1]);
    else if (inShape) spatial.set(out, inShape);
  }
  return { initializerValues, macs, ops };
}
