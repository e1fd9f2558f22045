/**
 * ONNX graph surgery at load time: the PReLU rewrite, and a tiny probe model for backend checks.
 * Only the `ModelProto` / `GraphProto` / `NodeProto` / `TensorProto` fields named below are read;
 * everything else is copied through byte for byte.
 * @module
 */
import {
  concatBytes,
  fieldText,
  lenField,
  parseMessage,
  type PbField,
  repeatedInts,
  varintField,
  WIRE,
} from "./protobuf.ts";

// Field numbers from onnx.proto3.
const MODEL = { graph: 7, opset: 8 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, domain: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, floatData: 4, name: 8, rawData: 9 } as const;
const FLOAT = 1;

/** How {@link rewritePrelu} replaced each PReLU node. */
export interface PreluRewriteResult {
  /** The rewritten model (the input bytes when nothing was rewritten). */
  bytes: Uint8Array;
  /** PReLU nodes seen. */
  prelu: number;
  /** Rewritten as `Max(x, slope·x)` (every slope in [0, 1], the common case). */
  maxMul: number;
  /** Rewritten as `slope·x + (1 − slope)·Relu(x)` (constant slopes outside [0, 1]). */
  affine: number;
  /** Rewritten as `Relu(x) + slope·(x − Relu(x))` (slopes computed at run time, or forced). */
  reluSplit: number;
}

/** Which equivalent form {@link rewritePrelu} uses: "auto" picks the cheapest valid one per node. */
export type PreluForm = "auto" | "relu-split";

/** Reads the float values of a `TensorProto` (raw_data or float_data); null for other types. */
export function tensorFloats(tensor: PbField[]): Float32Array | null {
  const type = tensor.find((f) => f.no === TENSOR.dataType)?.varint ?? 0n;
  if (Number(type) !== FLOAT) return null;
  const raw = tensor.find((f) => f.no === TENSOR.rawData);
  if (raw) {
    const copy = raw.data.slice();
    return new Float32Array(copy.buffer, 0, copy.length >> 2);
  }
  const out: number[] = [];
  for (const f of tensor) {
    if (f.no !== TENSOR.floatData) continue;
    const view = new DataView(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    if (f.wire === WIRE.LEN) { for (let o = 0; o + 4 <= f.data.length; o += 4) out.push(view.getFloat32(o, true)); }
    else out.push(view.getFloat32(0, true));
  }
  return Float32Array.from(out);
}

/** Shape of a `TensorProto`. */
export function tensorDims(tensor: PbField[]): number[] {
  return repeatedInts(tensor, TENSOR.dims);
}

/** Encodes a `NodeProto` with no attributes. */
export function encodeNode(opType: string, inputs: string[], outputs: string[], name: string): Uint8Array {
  return concatBytes([
    ...inputs.map((i) => lenField(NODE.input, i)),
    ...outputs.map((o) => lenField(NODE.output, o)),
    lenField(NODE.name, name),
    lenField(NODE.opType, opType),
  ]);
}

function opsetVersion(model: PbField[]): number {
  for (const f of model) {
    if (f.no !== MODEL.opset) continue;
    const o = parseMessage(f.data);
    const domain = o.find((g) => g.no === 1);
    if (!domain || fieldText(domain) === "" || fieldText(domain) === "ai.onnx") {
      return Number(o.find((g) => g.no === 2)?.varint ?? 0n);
    }
  }
  return 0;
}

/**
 * Rewrites every `PReLU(x, slope)` node into an equivalent form that ONNX Runtime's CPU provider runs
 * faster (it does not fuse PReLU into the preceding convolution and wraps it in layout conversions):
 * `Max(x, Mul(x, slope))` when every slope is a constant in [0, 1] (then max(x, a·x) equals PReLU),
 * `a·x + (1 − a)·Relu(x)` for other constant slopes, otherwise `Relu(x) + slope·(x − Relu(x))`.
 * Node order stays topological; a new initializer is appended for (1 − a).
 *
 * @param model the encoded `ModelProto`
 * @param options `form`: "auto" (default) or "relu-split" (always the general form)
 * @returns the new bytes and what was rewritten
 * @throws {SyntaxError} when the bytes are not a valid ONNX model
 * @example
 * ```ts ignore
 * const { bytes, prelu } = rewritePrelu(await Deno.readFile("models/arcface-r-512.onnx"));
 * console.log(prelu); // 33 nodes rewritten
 * ```
 */
export function rewritePrelu(model: Uint8Array, options: { form?: PreluForm } = {}): PreluRewriteResult {
  const form = options.form ?? "auto";
  const top = parseMessage(model);
  const graphField = top.find((f) => f.no === MODEL.graph && f.wire === WIRE.LEN);
  const none: PreluRewriteResult = { bytes: model, prelu: 0, maxMul: 0, reluSplit: 0, affine: 0 };
  if (!graphField) throw new SyntaxError("Cannot read ONNX model: no graph");
  // Broadcasting Max/Mul/Add need opset >= 8.
  if (opsetVersion(top) < 8) return none;
  const graph = parseMessage(graphField.data);
  const slopes = new Map<string, { values: Float32Array | null; dims: number[] }>();
  for (const f of graph) {
    if (f.no !== GRAPH.initializer) continue;
    const t = parseMessage(f.data);
    const name = t.find((g) => g.no === TENSOR.name);
    if (name) slopes.set(fieldText(name), { values: tensorFloats(t), dims: tensorDims(t) });
  }
  // An initializer that is also a graph input can be overridden at run time: not a constant.
  for (const f of graph) {
    if (f.no !== GRAPH.input) continue;
    const name = parseMessage(f.data).find((g) => g.no === 1);
    if (name) slopes.delete(fieldText(name));
  }
  const result = { prelu: 0, maxMul: 0, reluSplit: 0, affine: 0 };
  const out: Uint8Array[] = [];
  const extra: Uint8Array[] = [];
  for (const f of graph) {
    if (f.no !== GRAPH.node) {
      out.push(f.raw);
      continue;
    }
    const node = parseMessage(f.data);
    const op = node.find((g) => g.no === NODE.opType);
    const domain = node.find((g) => g.no === NODE.domain);
    const isPrelu = op && fieldText(op) === "PRelu" && (!domain || fieldText(domain) === "");
    const inputs = node.filter((g) => g.no === NODE.input).map(fieldText);
    const outputs = node.filter((g) => g.no === NODE.output).map(fieldText);
    if (!isPrelu || inputs.length !== 2 || outputs.length !== 1) {
      out.push(f.raw);
      continue;
    }
    result.prelu++;
    const [x, slope] = inputs as [string, string];
    const y = outputs[0]!;
    const tag = `${y}__prelu_rewrite`;
    const constant = slopes.get(slope);
    const values = constant?.values;
    const node_ = (op: string, ins: string[], outs: string[], name: string) =>
      out.push(lenField(GRAPH.node, encodeNode(op, ins, outs, `${tag}_${name}`)));
    if (values && values.length > 0 && values.every((a) => a >= 0 && a <= 1) && form !== "relu-split") {
      // max(x, a*x) == PReLU(x) when 0 <= a <= 1.
      result.maxMul++;
      node_("Mul", [x, slope], [`${tag}_ax`], "mul");
      node_("Max", [x, `${tag}_ax`], [y], "max");
    } else if (values && constant && form !== "relu-split") {
      // PReLU(x) = a*x + (1 - a)*relu(x): two per-channel scalings of x and relu(x).
      result.affine++;
      const oneMinus = values.map((a) => 1 - a);
      extra.push(lenField(GRAPH.initializer, encodeFloatTensor(`${tag}_1ma`, constant.dims, oneMinus)));
      node_("Relu", [x], [`${tag}_pos`], "relu");
      node_("Mul", [x, slope], [`${tag}_ax`], "mul_a");
      node_("Mul", [`${tag}_pos`, `${tag}_1ma`], [`${tag}_bpos`], "mul_b");
      node_("Add", [`${tag}_ax`, `${tag}_bpos`], [y], "add");
    } else {
      result.reluSplit++;
      node_("Relu", [x], [`${tag}_pos`], "relu");
      node_("Sub", [x, `${tag}_pos`], [`${tag}_neg`], "sub");
      node_("Mul", [`${tag}_neg`, slope], [`${tag}_aneg`], "mul");
      node_("Add", [`${tag}_pos`, `${tag}_aneg`], [y], "add");
    }
  }
  if (result.prelu === 0) return none;
  const newGraph = concatBytes([...out, ...extra]);
  const bytes = concatBytes(top.map((f) => f === graphField ? lenField(MODEL.graph, newGraph) : f.raw));
  return { bytes, ...result };
}

/** Encodes a float32 `TensorProto` with raw data. */
export function encodeFloatTensor(name: string, dims: readonly number[], values: Float32Array): Uint8Array {
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return concatBytes([
    ...dims.map((d) => varintField(TENSOR.dims, d)),
    varintField(TENSOR.dataType, FLOAT),
    lenField(TENSOR.name, name),
    lenField(TENSOR.rawData, raw),
  ]);
}

/** What {@link makeBatchDynamic} changed. */
export interface BatchRewriteResult {
  bytes: Uint8Array;
  /** Graph inputs/outputs whose leading dimension became symbolic. */
  dims: number;
  /** `Reshape(x, [1, -1])` nodes replaced by `Flatten(x, axis = 1)`. */
  flattens: number;
}

function encodeIntAttribute(name: string, value: number): Uint8Array {
  // AttributeProto: name = 1, i = 3, type = 20 (INT = 2).
  return concatBytes([lenField(1, name), varintField(3, value), varintField(20, 2)]);
}

function int64s(t: PbField[]): number[] | null {
  if (Number(t.find((f) => f.no === TENSOR.dataType)?.varint ?? 0n) !== 7) return null; // INT64
  const raw = t.find((f) => f.no === TENSOR.rawData);
  if (raw) {
    const copy = raw.data.slice();
    return Array.from(new BigInt64Array(copy.buffer, 0, copy.length >> 3), Number);
  }
  return repeatedInts(t, 7);
}

/** Rewrites a ValueInfoProto whose first dimension is the fixed value 1 to a symbolic "batch". */
function symbolicBatch(valueInfo: Uint8Array): Uint8Array | null {
  const vi = parseMessage(valueInfo);
  const typeF = vi.find((f) => f.no === 2);
  if (!typeF) return null;
  const tp = parseMessage(typeF.data);
  const ttF = tp.find((f) => f.no === 1);
  if (!ttF) return null;
  const tt = parseMessage(ttF.data);
  const shapeF = tt.find((f) => f.no === 2);
  if (!shapeF) return null;
  const dims = parseMessage(shapeF.data);
  const first = dims.find((f) => f.no === 1);
  if (!first) return null;
  const d = parseMessage(first.data);
  if (Number(d.find((f) => f.no === 1)?.varint ?? -1n) !== 1 || d.some((f) => f.no === 2)) return null;
  const newShape = concatBytes(dims.map((f) => f === first ? lenField(1, lenField(2, "batch")) : f.raw));
  const newTt = concatBytes(tt.map((f) => f === shapeF ? lenField(2, newShape) : f.raw));
  const newTp = concatBytes(tp.map((f) => f === ttF ? lenField(1, newTt) : f.raw));
  return concatBytes(vi.map((f) => f === typeF ? lenField(2, newTp) : f.raw));
}

/**
 * Makes a model exported with a fixed batch of 1 accept any batch: graph inputs and outputs with a
 * leading dimension 1 get a symbolic one, and `Reshape(x, [1, -1])` (the usual flatten before the
 * embedding) becomes `Flatten(x, axis = 1)`, identical for batch 1. Models with other batch-1
 * assumptions are returned unchanged (`dims` = 0), so callers fall back to batch 1.
 * @param model the encoded `ModelProto`
 * @returns the new bytes and what changed
 * @throws {SyntaxError} when the bytes are not a valid ONNX model
 */
export function makeBatchDynamic(model: Uint8Array): BatchRewriteResult {
  const top = parseMessage(model);
  const graphField = top.find((f) => f.no === MODEL.graph && f.wire === WIRE.LEN);
  if (!graphField) throw new SyntaxError("Cannot read ONNX model: no graph");
  const graph = parseMessage(graphField.data);
  const consts = new Map<string, number[] | null>();
  for (const f of graph) {
    if (f.no !== GRAPH.initializer) continue;
    const t = parseMessage(f.data);
    const name = t.find((g) => g.no === TENSOR.name);
    if (name) consts.set(fieldText(name), int64s(t));
  }
  const none = { bytes: model, dims: 0, flattens: 0 };
  let dims = 0, flattens = 0;
  const out: Uint8Array[] = [];
  for (const f of graph) {
    if (f.no === GRAPH.input || f.no === GRAPH.output) {
      const name = parseMessage(f.data).find((g) => g.no === 1);
      if (f.no === GRAPH.input && name && consts.has(fieldText(name))) {
        out.push(f.raw); // an initializer listed as input, not a real input
        continue;
      }
      const v = symbolicBatch(f.data);
      if (v) dims++;
      out.push(v ? lenField(f.no, v) : f.raw);
      continue;
    }
    if (f.no === GRAPH.node) {
      const node = parseMessage(f.data);
      const op = node.find((g) => g.no === NODE.opType);
      if (op && fieldText(op) === "Reshape") {
        const ins = node.filter((g) => g.no === NODE.input).map(fieldText);
        const shape = consts.get(ins[1] ?? "");
        if (!shape) return none; // shape computed at run time: cannot tell
        if (shape[0] === 1 && shape.length === 2 && shape[1] === -1) {
          const outs = node.filter((g) => g.no === NODE.output).map(fieldText);
          const nm = node.find((g) => g.no === NODE.name);
          out.push(lenField(
            GRAPH.node,
            concatBytes([
              lenField(NODE.input, ins[0]!),
              ...outs.map((o) => lenField(NODE.output, o)),
              lenField(NODE.name, nm ? fieldText(nm) : `${outs[0]}__flatten`),
              lenField(NODE.opType, "Flatten"),
              lenField(5, encodeIntAttribute("axis", 1)),
            ]),
          ));
          flattens++;
          continue;
        }
        if (shape[0] === 1) return none; // another batch-1 reshape
      }
    }
    out.push(f.raw);
  }
  if (dims === 0) return none;
  const bytes = concatBytes(top.map((f) => f === graphField ? lenField(MODEL.graph, concatBytes(out)) : f.raw));
  return { bytes, dims, flattens };
}

/** Counts the nodes of each operator type in a model (for reports and tests). */
export function countOps(model: Uint8Array): Map<string, number> {
  const top = parseMessage(model);
  const graphField = top.find((f) => f.no === MODEL.graph);
  const counts = new Map<string, number>();
  if (!graphField) return counts;
  for (const f of parseMessage(graphField.data)) {
    if (f.no !== GRAPH.node) continue;
    const op = parseMessage(f.data).find((g) => g.no === NODE.opType);
    const k = op ? fieldText(op) : "?";
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Encodes a float `ValueInfoProto` with a fixed shape. */
export function encodeValueInfo(name: string, dims: number[]): Uint8Array {
  const shape = concatBytes(dims.map((d) => lenField(1, varintField(1, d))));
  const tensorType = concatBytes([varintField(1, FLOAT), lenField(2, shape)]);
  return concatBytes([lenField(1, name), lenField(2, lenField(1, tensorType))]);
}

/**
 * Builds a one-node ONNX model `y = Relu(x)` on a float tensor of shape [n]: a cheap way to ask
 * whether an execution provider can create and run a session here.
 * @param n tensor length [4]
 * @returns the encoded `ModelProto`
 */
export function probeModel(n = 4): Uint8Array {
  const graph = concatBytes([
    lenField(GRAPH.node, encodeNode("Relu", ["x"], ["y"], "relu")),
    lenField(2, "probe"),
    lenField(GRAPH.input, encodeValueInfo("x", [n])),
    lenField(GRAPH.output, encodeValueInfo("y", [n])),
  ]);
  return concatBytes([
    varintField(1, 7), // ir_version
    lenField(2, "peoplebench"), // producer_name
    lenField(MODEL.graph, graph),
    lenField(MODEL.opset, concatBytes([lenField(1, ""), varintField(2, 13)])),
  ]);
}
