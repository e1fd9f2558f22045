import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  ACTIVATIONS,
  BACKBONE_SIZES,
  backboneParameters,
  type BackboneSpec,
  buildBackbone,
  graphCost,
} from "../../pipeline/onnx/backbone.ts";
import { createSession } from "../../pipeline/onnx/backends.ts";
import { tensorFloats } from "../../pipeline/onnx/graph.ts";
import { fieldText, parseMessage } from "../../pipeline/onnx/protobuf.ts";

/** A spec small enough to count by hand. */
const TINY: BackboneSpec = {
  inputSize: 16,
  stem: 8,
  levels: [{ channels: 8, depth: 1, expansion: 2, se: false }],
  head: 16,
  embedding: 4,
  activation: "relu",
};

function initializers(bytes: Uint8Array): Map<string, Float32Array> {
  const graph = parseMessage(parseMessage(bytes).find((f) => f.no === 7)!.data);
  const out = new Map<string, Float32Array>();
  for (const f of graph.filter((f) => f.no === 5)) {
    const t = parseMessage(f.data);
    out.set(fieldText(t.find((g) => g.no === 8)!), tensorFloats(t)!);
  }
  return out;
}

async function embed(bytes: Uint8Array, x: Float32Array, n: number, size: number) {
  const s = await createSession(bytes, "ort-node:cpu", { threads: 1 });
  const out = await s.run({ input: { data: x, dims: [n, 3, size, size] } });
  await s.release();
  return out;
}

Deno.test("backbone: parameters and multiply–adds of a tiny spec equal the hand count", () => {
  const b = buildBackbone(TINY);
  // convolutions 216+72+64+128+144+128+128+256+64 = 1200, BN scale+shift 2·100; running stats 2·100
  assertEquals([b.parameters, b.buffers], [1400, 200]);
  // stem 13824, down 1152+1024, block 2048+2304+2048, head 2048, GDConv 256, embedding 64
  assertEquals(b.macs, 24768);
  const c = graphCost(b.bytes, 16);
  assertEquals([c.initializerValues, c.macs], [1400 + 200 + 1, 24768]); // + the normalisation epsilon
});

Deno.test("backbone: the three sizes are ≈ 0.5, 1 and 2 M parameters, counts match the built graph", () => {
  const want = { s: 0.5e6, m: 1e6, l: 2e6 };
  for (const [k, spec] of Object.entries(BACKBONE_SIZES)) {
    const b = buildBackbone(spec);
    const target = want[k as keyof typeof want];
    assert(Math.abs(b.parameters - target) / target < 0.1, `${k}: ${b.parameters} parameters`);
    const c = graphCost(b.bytes, 112);
    assertEquals(c.initializerValues, b.parameters + b.buffers + 1, k);
    assertEquals(c.macs, b.macs, k);
    assertEquals(backboneParameters(spec).length, initializers(b.bytes).size - 1, k);
  }
  // width and depth multipliers grow the network
  const m = buildBackbone(BACKBONE_SIZES.m);
  assert(buildBackbone({ ...BACKBONE_SIZES.m, depth: 2 }).macs > m.macs);
  assert(buildBackbone({ ...BACKBONE_SIZES.m, width: 1.5 }).parameters > m.parameters);
});

Deno.test("backbone: every activation loads in onnxruntime-node and gives unit embeddings for any batch", async () => {
  const size = 112, n = 2;
  const x = new Float32Array(n * 3 * size * size).map((_, i) => Math.sin(i * 0.37));
  for (const activation of ACTIVATIONS) {
    const b = buildBackbone({ ...BACKBONE_SIZES.s, activation });
    const ops = graphCost(b.bytes, size).ops;
    const actOp = { relu: "Relu", prelu: "PRelu", hswish: "HardSwish" }[activation];
    assert((ops[actOp] ?? 0) > 0, `${activation}: ${JSON.stringify(ops)}`);
    assert(ops.GlobalAveragePool! > 0 && ops.Add! > 0 && ops.BatchNormalization! > 0);
    const out = await embed(b.bytes, x, n, size);
    assertEquals(out.embedding!.dims, [n, 128]);
    assertEquals(out.features!.dims, [n, 128]);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < 128; j++) s += out.embedding!.data[r * 128 + j]! ** 2;
      assert(Math.abs(Math.sqrt(s) - 1) < 1e-5, `${activation}: row ${r} norm ${Math.sqrt(s)}`);
    }
    // a batch of one gives the first row
    const one = await embed(b.bytes, x.subarray(0, 3 * size * size), 1, size);
    for (let j = 0; j < 128; j++) {
      assert(Math.abs(one.embedding!.data[j]! - out.embedding!.data[j]!) < 1e-5);
    }
  }
});

Deno.test("backbone: same seed same bytes; handed-in weights rebuild the graph exactly; bad weights are named", () => {
  const a = buildBackbone(TINY, { seed: 3 }), b = buildBackbone(TINY, { seed: 3 }), c = buildBackbone(TINY);
  assertEquals(a.bytes, b.bytes);
  assert(a.bytes.length === c.bytes.length && a.bytes.some((v, i) => v !== c.bytes[i]));
  const weights = initializers(a.bytes);
  weights.delete("eps");
  assertEquals(buildBackbone(TINY, { weights }).bytes, a.bytes);
  assertEquals(buildBackbone(TINY, { weights: Object.fromEntries(weights) }).bytes, a.bytes);
  const missing = new Map(weights);
  missing.delete("level0.block0.dw.conv.weight");
  assertThrows(() => buildBackbone(TINY, { weights: missing }), RangeError, "level0.block0.dw.conv.weight");
  const wrong = new Map(weights).set("stem.conv.weight", new Float32Array(5));
  assertThrows(() => buildBackbone(TINY, { weights: wrong }), RangeError, "stem.conv.weight has 5 values");
  assertThrows(() => buildBackbone({ ...TINY, activation: "gelu" as never }), RangeError, "activation");
  // the parameter list says which tensors are learned
  const list = backboneParameters(TINY);
  assertEquals(list.filter((t) => !t.trainable).every((t) => t.role === "bn_mean" || t.role === "bn_var"), true);
  assertEquals(list.reduce((s, t) => s + (t.trainable ? t.shape.reduce((p, d) => p * d, 1) : 0), 0), 1400);
});

Deno.test("backbone: trained weights change the output (PReLU slopes handed in are used)", async () => {
  const spec: BackboneSpec = { ...TINY, activation: "prelu" };
  const base = buildBackbone(spec, { seed: 5 });
  const weights = initializers(base.bytes);
  weights.delete("eps");
  const changed = new Map(weights).set("stem.prelu", new Float32Array(8).fill(0.9));
  const x = new Float32Array(3 * 16 * 16).map((_, i) => Math.cos(i));
  const y0 = (await embed(base.bytes, x, 1, 16)).features!.data;
  const y1 = (await embed(buildBackbone(spec, { weights: changed }).bytes, x, 1, 16)).features!.data;
  assert(y0.some((v, i) => Math.abs(v - y1[i]!) > 1e-4));
});
