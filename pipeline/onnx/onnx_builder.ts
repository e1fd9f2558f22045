/**
 * A small writer of ONNX models: float initializers, nodes with int / float / int-list / string attributes, float inputs
 * and outputs with symbolic or fixed dimensions. Enough to emit convolutional networks (see backbone.ts) with
 * the protobuf helpers the PReLU rewrite already uses.
 * @module
 */
import { concatBytes, lenField, varintField } from "./protobuf.ts";
import { encodeFloatTensor } from "./graph.ts";

/** An attribute value: an int, a float, a list of ints, or a string. */
export type AttributeValue = number | { float: number } | readonly number[] | { string: string };

// Field numbers from onnx.proto3.
const ATTR = { name: 1, f: 2, i: 3, s: 4, ints: 8, type: 20 } as const;
const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  if (typeof value === "number") {
    return concatBytes([lenField(ATTR.name, name), varintField(ATTR.i, value), varintField(ATTR.type, ATTR_TYPE.INT)]);
  }
  if (Array.isArray(value)) {
    return concatBytes([
      lenField(ATTR.name, name),
      ...(value as readonly number[]).map((v) => varintField(ATTR.ints, v)),
      varintField(ATTR.type, ATTR_TYPE.INTS),
    ]);
  }
  if ("string" in value) {
    return concatBytes([
      lenField(ATTR.name, name),
      lenField(ATTR.s, value.string),
      varintField(ATTR.type, ATTR_TYPE.STRING),
    ]);
  }
  const f = new Uint8Array(4);
  new DataView(f.buffer).setFloat32(0, (value as { float: number }).float, true);
  return concatBytes([
    lenField(ATTR.name, name),
    concatBytes([Uint8Array.of((ATTR.f << 3) | 5), f]),
    varintField(ATTR.type, ATTR_TYPE.FLOAT),
  ]);
}

function encodeValueInfo(name: string, dims: readonly (number | string)[]): Uint8Array {
  const shape = concatBytes(
    dims.map((d) => lenField(1, typeof d === "number" ? varintField(1, d) : lenField(2, d))),
  );
  const tensorType = concatBytes([varintField(1, 1), lenField(2, shape)]);
  return concatBytes([lenField(1, name), lenField(2, lenField(1, tensorType))]);
}

/** Accumulates a graph and encodes it as an ONNX `ModelProto`. */
export class OnnxGraphBuilder {
  private readonly nodes: Uint8Array[] = [];
  private readonly initializers: Uint8Array[] = [];
  private readonly inputs: Uint8Array[] = [];
  private readonly outputs: Uint8Array[] = [];
  private count = 0;

  /** Number of float values in the initializers added so far. */
  initializerValues = 0;

  /**
   * @param name graph name
   * @param opset default-domain opset version [17]
   */
  constructor(readonly name: string, readonly opset = 17) {}

  /** Declares a float graph input. */
  input(name: string, dims: readonly (number | string)[]): string {
    this.inputs.push(encodeValueInfo(name, dims));
    return name;
  }

  /** Declares a float graph output. */
  output(name: string, dims: readonly (number | string)[]): void {
    this.outputs.push(encodeValueInfo(name, dims));
  }

  /** Adds a float32 constant. */
  initializer(name: string, dims: readonly number[], values: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (values.length !== n) {
      throw new RangeError(`initializer ${name}: ${values.length} values for shape [${dims.join(", ")}] (${n})`);
    }
    this.initializers.push(encodeFloatTensor(name, dims, values));
    this.initializerValues += n;
    return name;
  }

  /**
   * Adds a node.
   * @param op operator type (default domain)
   * @param inputs input value names
   * @param attributes attributes by name
   * @param output output name [a fresh one]
   * @returns the output name
   */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    output?: string,
  ): string {
    const out = output ?? `${op.toLowerCase()}_${this.count}`;
    this.count++;
    this.nodes.push(concatBytes([
      ...inputs.map((i) => lenField(1, i)),
      lenField(2, out),
      lenField(3, `${op}_${this.count}`),
      lenField(4, op),
      ...Object.entries(attributes).map(([k, v]) => lenField(5, encodeAttribute(k, v))),
    ]));
    return out;
  }

  /** Encodes the model. */
  encode(producer = "peoplebench"): Uint8Array {
    const graph = concatBytes([
      ...this.nodes.map((n) => lenField(1, n)),
      lenField(2, this.name),
      ...this.initializers.map((t) => lenField(5, t)),
      ...this.inputs.map((v) => lenField(11, v)),
      ...this.outputs.map((v) => lenField(12, v)),
    ]);
    return concatBytes([
      varintField(1, 8), // ir_version 8 (opset ≤ 18)
      lenField(2, producer),
      lenField(7, graph),
      lenField(8, concatBytes([lenField(1, ""), varintField(2, this.opset)])),
    ]);
  }
}
