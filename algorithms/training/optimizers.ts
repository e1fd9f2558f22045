/**
 * Optimisers over a list of parameter tensors, each updated in place from its gradient: SGD with momentum,
 * Adam (L2 decay added to the gradient) and AdamW (decay decoupled from the adaptive step, Loshchilov & Hutter
 * 2019). Same update rules as PyTorch's `torch.optim.SGD/Adam/AdamW` with default flags.
 * @module
 */

/** A trainable tensor and its gradient (same length). */
export interface Param {
  readonly name: string;
  readonly value: Float64Array;
  readonly grad: Float64Array;
  /** False for biases and batch-norm parameters, which get no weight decay. Default true. */
  readonly decay?: boolean;
}

/** The optimiser variants' ids. */
export const OPTIMIZER_IDS = ["sgd", "adam", "adamw"] as const;
/** One optimiser id. */
export type OptimizerId = typeof OPTIMIZER_IDS[number];

/** Optimiser hyper-parameters. */
export interface OptimizerOptions {
  /** Weight decay λ. Default 5e-4 for sgd and adam, 0.05 for adamw. */
  weightDecay?: number;
  /** SGD momentum μ. Default 0.9. */
  momentum?: number;
  /** Adam β1. Default 0.9. */
  beta1?: number;
  /** Adam β2. Default 0.999. */
  beta2?: number;
  /** Adam ε. Default 1e-8. */
  eps?: number;
}

/** An optimiser: `step(lr)` applies one update to every parameter from its current gradient. */
export interface Optimizer {
  readonly id: OptimizerId;
  step(lr: number): void;
}

/**
 * Creates an optimiser over `params`.
 *
 * @example
 * ```ts
 * import { createOptimizer } from "./optimizers.ts";
 * const p = { name: "w", value: new Float64Array([1]), grad: new Float64Array([0.5]) };
 * createOptimizer("adamw", [p], { weightDecay: 0.1 }).step(0.01);
 * if (!(p.value[0]! < 1)) throw new Error("no step");
 * ```
 */
export function createOptimizer(id: OptimizerId, params: readonly Param[], options: OptimizerOptions = {}): Optimizer {
  const weightDecay = options.weightDecay ?? (id === "adamw" ? 0.05 : 5e-4);
  const momentum = options.momentum ?? 0.9;
  const beta1 = options.beta1 ?? 0.9, beta2 = options.beta2 ?? 0.999, eps = options.eps ?? 1e-8;
  const first = params.map((p) => new Float64Array(p.value.length));
  const second = params.map((p) => new Float64Array(p.value.length));
  let t = 0;
  if (id === "sgd") {
    return {
      id,
      step(lr) {
        t++;
        params.forEach((p, n) => {
          const v = first[n]!, wd = p.decay === false ? 0 : weightDecay;
          for (let i = 0; i < p.value.length; i++) {
            const g = p.grad[i]! + wd * p.value[i]!;
            v[i] = t === 1 ? g : momentum * v[i]! + g;
            p.value[i]! -= lr * v[i]!;
          }
        });
      },
    };
  }
  if (id !== "adam" && id !== "adamw") {
    throw new RangeError(`Unknown optimizer "${id}" (allowed: ${OPTIMIZER_IDS.join(", ")})`);
  }
  return {
    id,
    step(lr) {
      t++;
      const c1 = 1 - beta1 ** t, c2 = 1 - beta2 ** t;
      params.forEach((p, n) => {
        const m = first[n]!, v = second[n]!, wd = p.decay === false ? 0 : weightDecay;
        for (let i = 0; i < p.value.length; i++) {
          let g = p.grad[i]!;
          if (id === "adam") g += wd * p.value[i]!;
          else p.value[i]! *= 1 - lr * wd; // decoupled: shrink before the adaptive step
          m[i] = beta1 * m[i]! + (1 - beta1) * g;
          v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
          p.value[i]! -= (lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
        }
      });
    },
  };
}
