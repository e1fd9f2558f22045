/**
 * Margin losses on cosine logits, with analytic gradients.
 *
 * Every loss here takes the cosine matrix `cos` (batch × classes, row-major: cos θ between each normalised
 * embedding and each normalised class weight) and the labels, turns each cosine into a logit by a per-entry
 * function (the target entry and the negatives differently), and applies softmax cross-entropy to those logits.
 * Because each logit depends only on its own cosine (the masks of SV-softmax and CurricularFace are piecewise
 * constant), the gradient is `dL/dcos_ij = dL/dz_ij · dz_ij/dcos_ij`, computed in the same pass.
 *
 * Definitions (s: scale, m: margin, φ: target logit before scaling):
 * - `softmax`: φ = cos θy; negatives cos θj (normalised-softmax, "NormFace").
 * - `cosface`: φ = cos θy − m.
 * - `arcface`: φ = cos(θy + m) while θy + m ≤ π, else the fallback cos θy − m·sin m (insightface's "easy margin
 *   off" rule: keeps φ monotone in θ).
 * - `sv-softmax` (Wang et al. 2018, MV-softmax): φ as arcface; a negative that beats the target (cos θj > φ) gets
 *   t·cos θj + t − 1 (t ≥ 1), otherwise cos θj.
 * - `curricularface` (Huang et al. 2020): φ as arcface; a hard negative (cos θj > φ) gets cos θj·(t + cos θj),
 *   where t is the running mean of cos θy (`curricularT`); t is a constant for the gradient, as in the paper.
 * - `margin-mining` (the article's margin mining, read as: every negative re-weighted by its difficulty): φ as
 *   arcface; each negative's softmax weight is multiplied by 1 + γ·f(cos θj), f(c) = sigmoid(κ(c − δ)); i.e. its
 *   logit is s·cos θj + log(1 + γ f(cos θj)). Smooth, so hard negatives weigh up to (1 + γ)× more.
 * @module
 */

/** The loss variants' ids. */
export const MARGIN_LOSS_IDS = [
  "softmax",
  "cosface",
  "arcface",
  "sv-softmax",
  "curricularface",
  "margin-mining",
] as const;
/** One loss variant id. */
export type MarginLossId = typeof MARGIN_LOSS_IDS[number];

/** Hyper-parameters of a margin loss; unused fields are ignored by the variants that do not need them. */
export interface MarginLossOptions {
  /** Logit scale s. Default 32. */
  scale?: number;
  /** Margin m (radians for arcface-style losses, cosine units for cosface). Default 0.5 (0.35 for cosface). */
  margin?: number;
  /** SV-softmax's t ≥ 1. Default 1.2. */
  svT?: number;
  /** CurricularFace's current t (the running mean of target cosines). Default 0. */
  curricularT?: number;
  /** Margin mining: weight gain γ ≥ 0 of the hardest negatives. Default 1. */
  miningGamma?: number;
  /** Margin mining: sigmoid slope κ. Default 10. */
  miningSlope?: number;
  /** Margin mining: difficulty centre δ (the cosine at which the weight is 1 + γ/2). Default 0.2. */
  miningCenter?: number;
}

/** A loss value (mean over the batch) and its gradient with respect to `cos`. */
export interface LossResult {
  loss: number;
  gradCos: Float64Array;
  /** Mean target cosine of the batch (CurricularFace updates its t from it). */
  meanTargetCos: number;
}

/** Keeps acos and its derivative finite at ±1. */
const COS_CLAMP = 1 - 1e-7;

/** ArcFace target logit φ(c) = cos(θ + m) with the fallback past π, and dφ/dc. */
export function arcTarget(c: number, m: number): [number, number] {
  const cm = Math.cos(m), sm = Math.sin(m);
  const threshold = Math.cos(Math.PI - m);
  if (c <= threshold) return [c - m * sm, 1];
  const cc = Math.min(COS_CLAMP, Math.max(-COS_CLAMP, c));
  const sinTheta = Math.sqrt(1 - cc * cc);
  return [cc * cm - sinTheta * sm, cm + (cc * sm) / sinTheta];
}

/**
 * Softmax cross-entropy with the chosen margin variant, averaged over the batch.
 *
 * @example
 * ```ts
 * import { marginLoss } from "./losses.ts";
 * const cos = new Float64Array([0.9, 0.1, -0.2, 0.3]); // 2 samples × 2 classes
 * const { loss, gradCos } = marginLoss(cos, { labels: new Int32Array([0, 1]), id: "arcface" });
 * if (!(loss > 0) || gradCos.length !== 4) throw new Error("unexpected");
 * ```
 */
export function marginLoss(
  cos: Float64Array,
  options: { labels: Int32Array; id: MarginLossId } & MarginLossOptions,
): LossResult {
  const { labels, id } = options;
  const batch = labels.length;
  if (batch === 0 || cos.length % batch !== 0) {
    throw new RangeError(`marginLoss: cos has ${cos.length} entries, not a multiple of the batch ${batch}`);
  }
  const classes = cos.length / batch;
  const s = options.scale ?? 32;
  const m = options.margin ?? (id === "cosface" ? 0.35 : 0.5);
  const svT = options.svT ?? 1.2;
  const curT = options.curricularT ?? 0;
  const gamma = options.miningGamma ?? 1, kappa = options.miningSlope ?? 10, delta = options.miningCenter ?? 0.2;

  const z = new Float64Array(classes); // logits of one row
  const dz = new Float64Array(classes); // dz/dcos of one row
  const gradCos = new Float64Array(cos.length);
  let total = 0, targetSum = 0;
  for (let i = 0; i < batch; i++) {
    const y = labels[i]!;
    if (!(y >= 0 && y < classes)) throw new RangeError(`marginLoss: label ${y} of sample ${i} not in [0, ${classes})`);
    const row = i * classes;
    const cy = cos[row + y]!;
    targetSum += cy;
    let phi: number, dphi: number;
    if (id === "softmax") [phi, dphi] = [cy, 1];
    else if (id === "cosface") [phi, dphi] = [cy - m, 1];
    else [phi, dphi] = arcTarget(cy, m);
    for (let j = 0; j < classes; j++) {
      const c = cos[row + j]!;
      if (j === y) {
        z[j] = s * phi;
        dz[j] = s * dphi;
      } else if (id === "sv-softmax" && c > phi) {
        z[j] = s * (svT * c + svT - 1);
        dz[j] = s * svT;
      } else if (id === "curricularface" && c > phi) {
        z[j] = s * c * (curT + c);
        dz[j] = s * (curT + 2 * c);
      } else if (id === "margin-mining") {
        const f = 1 / (1 + Math.exp(-kappa * (c - delta)));
        const w = 1 + gamma * f;
        z[j] = s * c + Math.log(w);
        dz[j] = s + (gamma * kappa * f * (1 - f)) / w;
      } else {
        z[j] = s * c;
        dz[j] = s;
      }
    }
    let max = -Infinity;
    for (let j = 0; j < classes; j++) if (z[j]! > max) max = z[j]!;
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(z[j]! - max);
    const logSum = max + Math.log(sum);
    total += logSum - z[y]!;
    for (let j = 0; j < classes; j++) {
      const p = Math.exp(z[j]! - logSum);
      gradCos[row + j] = ((p - (j === y ? 1 : 0)) * dz[j]!) / batch;
    }
  }
  return { loss: total / batch, gradCos, meanTargetCos: targetSum / batch };
}

/** CurricularFace's running update of t: t ← α·r + (1 − α)·t, r the batch's mean target cosine. */
export function updateCurricularT(t: number, meanTargetCos: number, momentum = 0.01): number {
  return momentum * meanTargetCos + (1 - momentum) * t;
}
