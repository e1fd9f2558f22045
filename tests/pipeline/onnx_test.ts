import * as ort from "onnxruntime-node";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { HAS_SHARED, sharedPath, sharedTest } from "../_shared.ts";
import {
  concatBytes,
  encodeVarint,
  lenField,
  parseMessage,
  repeatedInts,
  varintField,
} from "../../pipeline/onnx/protobuf.ts";
import {
  countOps,
  encodeFloatTensor,
  encodeNode,
  encodeValueInfo,
  makeBatchDynamic,
  probeModel,
  rewritePrelu,
} from "../../pipeline/onnx/graph.ts";
import {
  BACKENDS,
  BackendUnavailableError,
  loadModel,
  probeBackend,
  probeBackends,
  resolveBackend,
  runModel,
} from "../../pipeline/onnx/backends.ts";

Deno.test("protobuf: varints round-trip and fields keep their raw bytes", () => {
  for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40]) {
    const f = parseMessage(varintField(3, v));
    assertEquals(f[0]!.no, 3);
    assertEquals(Number(f[0]!.varint), v);
  }
  const msg = concatBytes([varintField(1, 5), lenField(2, "abc"), varintField(1, 7)]);
  const fields = parseMessage(msg);
  assertEquals(fields.map((f) => f.no), [1, 2, 1]);
  assertEquals(concatBytes(fields.map((f) => f.raw)), msg);
  assertEquals(repeatedInts(fields, 1), [5, 7]);
  // packed form of the same repeated field
  const packed = lenField(1, concatBytes([encodeVarint(5), encodeVarint(7)]));
  assertEquals(repeatedInts(parseMessage(packed), 1), [5, 7]);
  assertThrows(() => parseMessage(Uint8Array.from([0x12, 0x05, 0x61])), SyntaxError, "past the end");
});

/** A model y = PReLU(Conv-free x, slope) with x [1, C, 3, 3]; slope a constant or a graph input. */
function preluModel(slope: Float32Array, slopeAsInput = false): Uint8Array {
  const c = slope.length;
  const graph = concatBytes([
    lenField(1, encodeNode("PRelu", ["x", "slope"], ["y"], "prelu")),
    lenField(2, "prelu-test"),
    lenField(5, encodeFloatTensor("slope", [c, 1, 1], slope)),
    lenField(11, encodeValueInfo("x", [1, c, 3, 3])),
    ...(slopeAsInput ? [lenField(11, encodeValueInfo("slope", [c, 1, 1]))] : []),
    lenField(12, encodeValueInfo("y", [1, c, 3, 3])),
  ]);
  return concatBytes([
    varintField(1, 7),
    lenField(7, graph),
    lenField(8, concatBytes([lenField(1, ""), varintField(2, 13)])),
  ]);
}

async function run(bytes: Uint8Array, x: Float32Array, c: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], logSeverityLevel: 3 });
  const out = await s.run({ x: new ort.Tensor("float32", x, [1, c, 3, 3]) });
  await s.release();
  return out.y!.data as Float32Array;
}

Deno.test("rewritePrelu() forms are exactly equivalent to PReLU (slopes in [0,1], outside, and run-time)", async () => {
  const x = Float32Array.from({ length: 4 * 9 }, (_, i) => Math.sin(i * 1.7) * 5);
  for (
    const [slope, asInput, form] of [
      [Float32Array.from([0, 0.25, 0.5, 1]), false, "maxMul"],
      [Float32Array.from([-0.5, 0.25, 1.5, 0.1]), false, "affine"],
      [Float32Array.from([-0.5, 0.25, 1.5, 0.1]), true, "reluSplit"],
    ] as const
  ) {
    const model = preluModel(slope, asInput);
    const r = rewritePrelu(model);
    assertEquals(r.prelu, 1);
    assertEquals(r[form], 1, `${form} used`);
    assertEquals(countOps(r.bytes).get("PRelu"), undefined);
    const expected = Float32Array.from(x, (v, i) => (v >= 0 ? v : slope[Math.floor(i / 9)]! * v));
    const a = await run(model, x, 4), b = await run(r.bytes, x, 4);
    for (let i = 0; i < x.length; i++) {
      assert(Math.abs(a[i]! - expected[i]!) <= 1e-6, `original ${i}`);
      assert(Math.abs(b[i]! - expected[i]!) <= 1e-5, `${form} ${i}: ${b[i]} vs ${expected[i]}`);
    }
  }
});

Deno.test("rewritePrelu() leaves a model without PReLU byte-identical", () => {
  const m = probeModel();
  const r = rewritePrelu(m);
  assertEquals(r.prelu, 0);
  assert(r.bytes === m);
  assertThrows(() => rewritePrelu(Uint8Array.from([0x3a, 0x01])), SyntaxError);
});

Deno.test("makeBatchDynamic() turns a batch-1 model with Reshape(x, [1, -1]) into one that takes any batch", async () => {
  const shape = new Uint8Array(new BigInt64Array([1n, -1n]).buffer);
  const graph = concatBytes([
    lenField(1, encodeNode("Reshape", ["x", "shape"], ["y"], "flatten")),
    lenField(2, "reshape-test"),
    lenField(5, concatBytes([varintField(1, 2), varintField(2, 7), lenField(8, "shape"), lenField(9, shape)])),
    lenField(11, encodeValueInfo("x", [1, 2, 2, 2])),
    lenField(12, encodeValueInfo("y", [1, 8])),
  ]);
  const model = concatBytes([
    varintField(1, 7),
    lenField(7, graph),
    lenField(8, concatBytes([lenField(1, ""), varintField(2, 13)])),
  ]);
  const r = makeBatchDynamic(model);
  assertEquals([r.dims, r.flattens], [2, 1]);
  assertEquals(countOps(r.bytes).get("Flatten"), 1);
  const s = await ort.InferenceSession.create(r.bytes, { executionProviders: ["cpu"], logSeverityLevel: 3 });
  const x = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = await s.run({ x: new ort.Tensor("float32", x, [3, 2, 2, 2]) });
  assertEquals(out.y!.dims, [3, 8]);
  assertEquals(Array.from(out.y!.data as Float32Array), Array.from(x));
  await s.release();
  // A model without a batch-1 input is left alone.
  assertEquals(makeBatchDynamic(probeModel()).dims, 0);
});

Deno.test("probeBackends() covers every provider; cpu is usable; unusable ones say why and refuse", async () => {
  const status = await probeBackends();
  assertEquals(status.map((s) => s.name), [...BACKENDS]);
  assert(status.find((s) => s.name === "ort-node:cpu")!.usable);
  assertEquals(await resolveBackend("cpu"), "ort-node:cpu"); // aliases still work
  assertEquals(await resolveBackend("ort-node:cpu"), "ort-node:cpu");
  for (const s of status) {
    if (s.usable) assertEquals(await resolveBackend(s.name), s.name);
    else {
      assert(s.reason.length > 10);
      const e = await assertRejects(() => resolveBackend(s.name), BackendUnavailableError);
      assertEquals(e.backend, s.name);
    }
  }
  const auto = await resolveBackend("auto");
  assert((BACKENDS as readonly string[]).includes(auto));
  // auto never picks a software adapter or the one-thread WebAssembly provider
  assert(!(await probeBackend(auto)).software_adapter && auto !== "ort-web:wasm");
  await assertRejects(() => resolveBackend("tpu" as never), RangeError);
});

Deno.test("loadModel() names a missing file and says where models come from", async () => {
  await assertRejects(
    () => loadModel("/nonexistent/mobilefacenet.onnx", { backend: "cpu" }),
    Error,
    "/nonexistent/mobilefacenet.onnx",
  );
});

sharedTest(
  "arcface-r-512 with PReLU rewritten gives the same embeddings (max abs diff ≤ 1e-4 on real crops)",
  async () => {
    const path = sharedPath("models", "arcface-r-512.onnx");
    const plain = await loadModel(path, { backend: "cpu", rewritePrelu: false, threads: 1 });
    const fast = await loadModel(path, { backend: "cpu", rewritePrelu: true, threads: 1 });
    assert(fast.prelu!.prelu > 0, "the model has PReLU nodes to rewrite");
    const { decodeImage } = await import("../../pipeline/image/decode.ts");
    const { packChw } = await import("../../pipeline/image/tensor.ts");
    const norm = { order: "rgb", mean: [127, 127, 127], std: [128, 128, 128] } as const;
    let worst = 0;
    const files: string[] = [];
    for (const who of ["barack-obama", "drew-barrymore", "gwyneth-paltrow"]) {
      const names = [...Deno.readDirSync(sharedPath("data", "celeb24", "images", who))].map((e) => e.name).sort();
      files.push(...names.slice(0, 2).map((n) => sharedPath("data", "celeb24", "images", who, n)));
    }
    for (const f of files) {
      const img = await decodeImage(f);
      const x = new Float32Array(3 * 112 * 112);
      packChw(img, x, 0, 112, 112, norm);
      const a = (await runModel(plain, x, [1, 3, 112, 112])).output!.data;
      const b = (await runModel(fast, x, [1, 3, 112, 112])).output!.data;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    }
    assert(worst <= 1e-4, `max abs diff ${worst}`);
  },
);

if (!HAS_SHARED) console.warn("onnx_test: real-model checks skipped");
