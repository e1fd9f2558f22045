/**
 * The three gradient kernels tfjs-backend-wasm lacks, written from primitives (training/scratch/ops.ts): checked
 * on the wasm backend by central differences, and against tfjs's own kernels on the cpu backend (which has them).
 */
import { assert, assertEquals } from "../../_assert.ts";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../../algorithms/random/rng.ts";
import { selectBackend } from "../../../training/scratch/backend.ts";
import { conv2dValid, depthwiseValid, padSpatial } from "../../../training/scratch/ops.ts";

function randn(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

type Op = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** Gradients of L = Σ r ⊙ op(x, w) with respect to x and w. */
function grads(op: Op, x: Float32Array, xs: number[], w: Float32Array, ws: number[], r: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(r, op(a as tf.Tensor4D, b as tf.Tensor4D))));
    return g([tf.tensor(x, xs), tf.tensor(w, ws)]).map((t) => t.dataSync() as Float32Array);
  });
}

function lossOf(op: Op, x: Float32Array, xs: number[], w: Float32Array, ws: number[], r: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(r, op(tf.tensor4d(x, xs as never), tf.tensor4d(w, ws as never)))).dataSync()[0]!);
}

const CASES: { name: string; op: Op; xs: number[]; ws: number[]; native: Op }[] = [
  {
    name: "conv 3×3 stride 2 (Conv2DBackpropFilter)",
    op: (x, w) => conv2dValid(padSpatial(x, 1), w, 2),
    native: (x, w) => tf.conv2d(padSpatial(x, 1), w, 2, "valid"),
    xs: [2, 7, 6, 3],
    ws: [3, 3, 3, 4],
  },
  {
    name: "depthwise 3×3 stride 2 (DepthwiseConv2dNativeBackpropFilter/Input)",
    op: (x, w) => depthwiseValid(padSpatial(x, 1), w, 2),
    native: (x, w) => tf.depthwiseConv2d(padSpatial(x, 1), w, 2, "valid"),
    xs: [2, 8, 7, 5],
    ws: [3, 3, 5, 1],
  },
  {
    name: "depthwise 3×3 stride 1",
    op: (x, w) => depthwiseValid(padSpatial(x, 1), w, 1),
    native: (x, w) => tf.depthwiseConv2d(padSpatial(x, 1), w, 1, "valid"),
    xs: [2, 5, 5, 4],
    ws: [3, 3, 4, 1],
  },
];

for (const c of CASES) {
  Deno.test(`scratch ops: ${c.name} — wasm gradients equal central differences and tfjs's cpu kernels`, async () => {
    await selectBackend("wasm");
    const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = randn(n(c.xs), 1), w = randn(n(c.ws), 2);
    const outShape = tf.tidy(() => c.op(tf.tensor4d(x, c.xs as never), tf.tensor4d(w, c.ws as never)).shape);
    const rValues = randn(n(outShape), 3);
    const r = tf.tensor(rValues, outShape);
    const [gx, gw] = grads(c.op, x, c.xs, w, c.ws, r);
    // L is linear in x and in w separately, so central differences are exact up to float32 rounding.
    const h = 0.05;
    const check = (values: Float32Array, g: Float32Array, which: "x" | "w") => {
      for (let i = 0; i < values.length; i += Math.max(1, Math.floor(values.length / 40))) {
        const plus = values.slice(), minus = values.slice();
        plus[i]! += h;
        minus[i]! -= h;
        const f = (v: Float32Array) =>
          which === "x" ? lossOf(c.op, v, c.xs, w, c.ws, r) : lossOf(c.op, x, c.xs, v, c.ws, r);
        const numeric = (f(plus) - f(minus)) / (2 * h);
        assert(
          Math.abs(numeric - g[i]!) <= 2e-3 * Math.max(1, Math.abs(numeric)),
          `${which}[${i}]: ${g[i]} vs ${numeric}`,
        );
      }
    };
    check(x, gx!, "x");
    check(w, gw!, "w");
    r.dispose();
    await selectBackend("cpu");
    const rc = tf.tensor(rValues, outShape);
    const [nx, nw] = grads(c.native, x, c.xs, w, c.ws, rc);
    rc.dispose();
    assertEquals(nx!.length, gx!.length);
    for (let i = 0; i < nx!.length; i++) assert(Math.abs(nx![i]! - gx![i]!) < 1e-4, `dx[${i}] ${gx![i]} vs ${nx![i]}`);
    for (let i = 0; i < nw!.length; i++) assert(Math.abs(nw![i]! - gw![i]!) < 1e-4, `dw[${i}] ${gw![i]} vs ${nw![i]}`);
  });
}
