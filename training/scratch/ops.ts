/**
 * Convolutions for training a depthwise-separable net in tfjs on any backend. tfjs-backend-wasm 4.22 has the
 * forward kernels but not three gradient kernels (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput`), so the convolutions here run the backend's forward kernel and a custom
 * gradient written from primitives every backend has (strided slice, pad, concat, mul, sum, matMul). Inputs are
 * padded explicitly beforehand and convolved "valid": tfjs's "same" pads stride-2 maps asymmetrically (0 before,
 * 1 after), ONNX's symmetric pads do not, and the exported graph must compute the same numbers.
 * Layout NHWC; conv filters [k, k, in, out], depthwise filters [k, k, channels, 1].
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * The input pixels tap (kh, kw) of a valid k×k convolution reads for every output position:
 * `x[:, kh + s·i, kw + s·j, :]` for i < ho, j < wo, as an [N, ho, wo, C] tensor. Used inside gradient functions
 * only (never differentiated itself), so a strided slice, which every backend runs forward, is enough.
 */
export function tap(x: tf.Tensor4D, kh: number, kw: number, stride: number, ho: number, wo: number): tf.Tensor4D {
  const [n, , , c] = x.shape;
  if (stride === 1) return tf.slice(x, [0, kh, kw, 0], [n, ho, wo, c]);
  return tf.stridedSlice(x, [0, kh, kw, 0], [n, kh + stride * (ho - 1) + 1, kw + stride * (wo - 1) + 1, c], [
    1,
    stride,
    stride,
    1,
  ]) as tf.Tensor4D;
}

/** The adjoint of {@link tap}: scatters an [N, ho, wo, C] tensor back to the positions tap (kh, kw) read. */
export function untap(
  v: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  h: number,
  w: number,
): tf.Tensor4D {
  const [n, ho, wo, c] = v.shape;
  let u: tf.Tensor4D = v;
  if (stride > 1) {
    // Interleave stride−1 zero rows and columns after every value, then drop the trailing zeros.
    const zeros = tf.zeros([n, ho, stride - 1, wo, c]);
    u = tf.reshape(tf.concat([tf.reshape(u, [n, ho, 1, wo, c]), zeros], 2), [n, ho * stride, wo, c]);
    const zc = tf.zeros([n, ho * stride, wo, stride - 1, c]);
    u = tf.reshape(tf.concat([tf.reshape(u, [n, ho * stride, wo, 1, c]), zc], 3), [n, ho * stride, wo * stride, c]);
    u = tf.slice(u, [0, 0, 0, 0], [n, stride * (ho - 1) + 1, stride * (wo - 1) + 1, c]);
  }
  const [, uh, uw] = u.shape;
  return tf.pad(u, [[0, 0], [kh, h - kh - uh], [kw, w - kw - uw], [0, 0]]);
}

/** Filter gradient of a valid convolution from primitives: Σ over taps of tapᵀ·dy. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: number): tf.Tensor4D {
  const [n, ho, wo, co] = dy.shape, ci = x.shape[3];
  const m = n * ho * wo;
  const dy2 = tf.reshape(dy, [m, co]);
  const parts: tf.Tensor2D[] = [];
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      parts.push(tf.matMul(tf.reshape(tap(x, kh, kw, stride, ho, wo), [m, ci]), dy2, true, false));
    }
  }
  return tf.reshape(tf.stack(parts), [k, k, ci, co]);
}

/** Depthwise filter gradient from primitives: Σ over batch and positions of tap · dy, per channel. */
export function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: number): tf.Tensor4D {
  const [, ho, wo, c] = dy.shape;
  const parts: tf.Tensor1D[] = [];
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) parts.push(tf.sum(tf.mul(tap(x, kh, kw, stride, ho, wo), dy), [0, 1, 2]));
  }
  return tf.reshape(tf.stack(parts), [k, k, c, 1]);
}

/** Depthwise input gradient from primitives: Σ over taps of untap(dy · w[kh, kw]). */
export function depthwiseInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  stride: number,
  inputShape: readonly [number, number, number, number],
): tf.Tensor4D {
  const k = filter.shape[0], c = filter.shape[2];
  let dx: tf.Tensor4D | null = null;
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      const wk = tf.reshape(tf.slice(filter, [kh, kw, 0, 0], [1, 1, c, 1]), [c]);
      const part = untap(tf.mul(dy, wk), kh, kw, stride, inputShape[1], inputShape[2]);
      dx = dx ? tf.add(dx, part) : part;
    }
  }
  return dx!;
}

/**
 * Valid k×k convolution (stride s) with the backend's forward kernel and a gradient from primitives (input
 * gradient by the backend's Conv2DBackpropInput, which wasm has; filter gradient by {@link conv2dFilterGrad}).
 */
export function conv2dValid(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, fs, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xs, fs]);
    return {
      value: tf.conv2d(xs, fs, stride, "valid"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          tf.conv2dTranspose(dy as tf.Tensor4D, sf, sx.shape, stride, "valid"),
          conv2dFilterGrad(sx, dy as tf.Tensor4D, sf.shape[0], stride),
        ];
      },
    };
  });
  return f(x, filter) as tf.Tensor4D;
}

/** Valid k×k depthwise convolution (stride s, multiplier 1) with the backend's forward kernel and gradients from
 * primitives ({@link depthwiseInputGrad}, {@link depthwiseFilterGrad}). */
export function depthwiseValid(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number): tf.Tensor4D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, fs, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xs, fs]);
    return {
      value: tf.depthwiseConv2d(xs, fs, stride, "valid"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          depthwiseInputGrad(dy as tf.Tensor4D, sf, stride, sx.shape),
          depthwiseFilterGrad(sx, dy as tf.Tensor4D, sf.shape[0], stride),
        ];
      },
    };
  });
  return f(x, filter) as tf.Tensor4D;
}

/** Symmetric zero padding of the two spatial axes. */
export function padSpatial(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  return pad === 0 ? x : tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
}

/** A 1×1 convolution as a MatMul ([N·H·W, C] × [C, out]): far faster than Conv2D on the wasm backend. */
export function pointwise(x: tf.Tensor4D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let y: tf.Tensor2D = tf.matMul(tf.reshape(x, [n * h * w, c]), weight);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [n, h, w, weight.shape[1]]);
}
