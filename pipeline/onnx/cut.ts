/**
 * Graph surgery for training: cut a model at an inner tensor (a frozen backbone's feature map) and append new
 * nodes and weights after it (a trained head), writing a model that `onnxruntime` and `pb embed` load as is.
 * Fields not named here are copied byte for byte.
 * @module
 */
import { concatBytes, fieldText, lenField, parseMessage, varintField } from "./protobuf.ts";
import { encodeFloatTensor } from "./graph.ts";

// Field numbers from onnx.proto3.
const MODEL = { graph: 7 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const FLOAT = 1;

/** A dimension of a graph output: a number, or a symbolic name ("batch"). */
export type Dim = number | string;

/** A node attribute: an integer, a float, or a list of integers. */
export type AttributeValue = { int: number } | { float: number } | { ints: readonly number[] };

/** Encodes a float `ValueInfoProto` whose dimensions may be symbolic. */
export function encodeValueInfoDims(name: string, dims: readonly Dim[]): Uint8Array {
  const shape = concatBytes(
    dims.map((d) => lenField(1, typeof d === "number" ? varintField(1, d) : lenField(2, d))),
  );
  const tensorType = concatBytes([varintField(1, FLOAT), lenField(2, shape)]);
  return concatBytes([lenField(1, name), lenField(2, lenField(1, tensorType))]);
}

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  // AttributeProto: name = 1, f = 2 (fixed32), i = 3, ints = 8, type = 20 (FLOAT 1, INT 2, INTS 7).
  if ("float" in value) {
    const f = new Uint8Array(5);
    f[0] = (2 << 3) | 5;
    new DataView(f.buffer).setFloat32(1, value.float, true);
    return concatBytes([lenField(1, name), f, varintField(20, 1)]);
  }
  if ("int" in value) return concatBytes([lenField(1, name), varintField(3, value.int), varintField(20, 2)]);
  return concatBytes([lenField(1, name), ...value.ints.map((v) => varintField(8, v)), varintField(20, 7)]);
}

/** A node to append: operator, inputs, outputs, name and attributes. */
export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Encodes a `NodeProto` with attributes. */
export function encodeNodeSpec(node: NodeSpec): Uint8Array {
  return concatBytes([
    ...node.inputs.map((i) => lenField(NODE.input, i)),
    ...node.outputs.map((o) => lenField(NODE.output, o)),
    lenField(NODE.name, node.name),
    lenField(NODE.opType, node.op),
    ...Object.entries(node.attributes ?? {}).map(([k, v]) => lenField(NODE.attribute, encodeAttribute(k, v))),
  ]);
}

/** A float weight to add as an initializer. */
export interface InitializerSpec {
  name: string;
  dims: readonly number[];
  values: Float32Array;
}

/**
 * Cuts `model` so that `output` (an inner tensor) is its only output: keeps the nodes that tensor depends on
 * and the initializers they read, then appends `append.nodes` and `append.initializers` (a new head), whose
 * final tensor `append.output` becomes the output instead.
 *
 * @throws {RangeError} when no node produces `output`
 * @throws {SyntaxError} when the bytes are not an ONNX model
 */
export function cutGraph(
  model: Uint8Array,
  options: {
    output: string;
    dims: readonly Dim[];
    append?: {
      nodes: readonly NodeSpec[];
      initializers: readonly InitializerSpec[];
      output: string;
      dims: readonly Dim[];
    };
  },
): Uint8Array {
  const top = parseMessage(model);
  const graphField = top.find((f) => f.no === MODEL.graph);
  if (!graphField) throw new SyntaxError("Cannot read ONNX model: no graph");
  const graph = parseMessage(graphField.data);
  const nodes = graph.filter((f) => f.no === GRAPH.node).map((f) => {
    const n = parseMessage(f.data);
    return {
      raw: f.raw,
      inputs: n.filter((g) => g.no === NODE.input).map(fieldText),
      outputs: n.filter((g) => g.no === NODE.output).map(fieldText),
    };
  });
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => producer.set(o, i)));
  if (!producer.has(options.output)) throw new RangeError(`Cannot cut the model: no node produces "${options.output}"`);
  // Walk back from the cut tensor to every node it needs.
  const keep = new Set<number>();
  const stack = [options.output];
  while (stack.length) {
    const i = producer.get(stack.pop()!);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    stack.push(...nodes[i]!.inputs);
  }
  const used = new Set<string>();
  for (const i of keep) for (const t of nodes[i]!.inputs) used.add(t);
  const append = options.append;
  const out: Uint8Array[] = [];
  let wroteNodes = false, nodeIndex = 0;
  for (const f of graph) {
    if (f.no === GRAPH.node) {
      if (keep.has(nodeIndex++)) out.push(f.raw);
      continue;
    }
    if (f.no === GRAPH.initializer) {
      const name = parseMessage(f.data).find((g) => g.no === 8);
      if (name && used.has(fieldText(name))) out.push(f.raw);
      continue;
    }
    if (f.no === GRAPH.output) {
      if (wroteNodes) continue;
      wroteNodes = true;
      if (append) {
        for (const n of append.nodes) out.push(lenField(GRAPH.node, encodeNodeSpec(n)));
        for (const w of append.initializers) {
          out.push(lenField(GRAPH.initializer, encodeFloatTensor(w.name, w.dims, w.values)));
        }
      }
      const last = append ?? options;
      out.push(lenField(GRAPH.output, encodeValueInfoDims(last.output, last.dims)));
      continue;
    }
    if (f.no === GRAPH.input) {
      const name = parseMessage(f.data).find((g) => g.no === 1);
      // Inputs that are initializers of removed nodes must go with them.
      if (name && !used.has(fieldText(name)) && nodes.some((n) => n.inputs.includes(fieldText(name)))) continue;
    }
    out.push(f.raw);
  }
  return concatBytes(top.map((f) => f === graphField ? lenField(MODEL.graph, concatBytes(out)) : f.raw));
}
