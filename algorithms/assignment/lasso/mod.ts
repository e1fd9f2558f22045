/**
 * Lasso sparse coding against a fixed dictionary: `min_x ½‖y − Dᵀx‖² + λ‖x‖₁`, D given as atoms × d
 * (one atom per row), all arithmetic in float64.
 *
 * Three solvers share one prepared dictionary (its Gram matrix G = D·Dᵀ is computed once, {@link prepareLasso}):
 * - `cd` (default, `coordinate_descent.ts`): coordinate descent on the Gram matrix over a growing working set,
 *   exact feature-sign steps and gap-safe screening. Per query: one product D·y (atoms × d), O(pool · |A|) per
 *   round, O(|A|²) per inner sweep.
 * - `fista` (`fista.ts`): accelerated proximal gradient, step 1/L with L the largest eigenvalue of G; O(atoms²) per
 *   iteration.
 * - `lars` (`lars.ts`): LARS-lasso homotopy (Efron et al., 2004), O(atoms·|A| + |A|³) per step.
 *
 * `fista` and `lars` are kept for the measurement that chose `cd` (benchmarks/assign_bench.ts, docs/assignment.md)
 * and as independent checks in the tests. One query: {@link solveLasso} (`solve.ts`); many:
 * {@link solveLassoBatch} and {@link solveLassoBatchGemm} (`batch.ts`).
 *
 * @module
 */
export { type LassoDictionary, lassoObjective, prepareLasso } from "./dictionary.ts";
export { lassoLipschitz } from "./fista.ts";
export { solveLasso, solveLassoInto } from "./solve.ts";
export { type AsyncAbtGemm, type LassoBatchResult, solveLassoBatch, solveLassoBatchGemm } from "./batch.ts";
export { LASSO_SOLVERS, type LassoOptions, type LassoResult, type LassoSolver, LassoWorkspace } from "./workspace.ts";
