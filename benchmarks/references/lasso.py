"""Reference sparse coding for PeopleBench: scikit-learn on the same atoms and queries as ours, timed around the calls.

Usage: lasso.py --atoms D.npy --queries Q.npy --lambda 0.1 --solver lasso|lars|sparse-coder --codes OUT.npy
                --json OUT.json [--rounds 3]

Objective: 1/2 ||y - D^T x||^2 + lambda ||x||_1 per query (D: atoms x d). scikit-learn scales the squared error by
1 / n_samples, so Lasso and LassoLars get alpha = lambda / d; SparseCoder's transform_alpha already is lambda (its
lasso_cd divides by the feature count itself). Per-query solvers fit one query at a time, as a per-query user would;
SparseCoder transforms every query in one call. Timing: the best of --rounds passes (after one warm-up call), in ms
per query, as wall time (perf_counter) and as this process's CPU time (process_time; BLAS runs on one thread). Writes the codes (float64, queries x atoms) and a JSON line.
"""
import argparse
import json
import time
import warnings

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--atoms", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--lambda", dest="lam", type=float, required=True)
    ap.add_argument("--solver", choices=["lasso", "lars", "sparse-coder"], required=True)
    ap.add_argument("--codes", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()

    import sklearn
    from sklearn.decomposition import SparseCoder
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso, LassoLars

    warnings.simplefilter("ignore", ConvergenceWarning)
    d = np.load(a.atoms).astype(np.float64)  # atoms x dim
    q = np.load(a.queries).astype(np.float64)  # queries x dim
    atoms, dim = d.shape
    x = d.T.copy()  # dim x atoms: the design matrix of one query's regression

    if a.solver == "sparse-coder":
        coder = SparseCoder(dictionary=d, transform_algorithm="lasso_cd", transform_alpha=a.lam)

        def solve_all():
            return coder.transform(q)
    else:
        cls = Lasso if a.solver == "lasso" else LassoLars
        model = cls(alpha=a.lam / dim, fit_intercept=False)

        def solve_all():
            out = np.empty((q.shape[0], atoms))
            for i in range(q.shape[0]):
                model.fit(x, q[i])
                out[i] = model.coef_
            return out

    solve_all() if a.solver == "sparse-coder" else (model.fit(x, q[0]))  # warm-up
    best = best_cpu = float("inf")
    codes = None
    for _ in range(max(1, a.rounds)):
        t0, c0 = time.perf_counter(), time.process_time()
        codes = solve_all()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    residual = q - codes @ d
    objective = 0.5 * np.sum(residual * residual, axis=1) + a.lam * np.sum(np.abs(codes), axis=1)
    np.save(a.codes, np.ascontiguousarray(codes, dtype=np.float64))
    with open(a.json, "w") as f:
        json.dump(
            {
                "library": "scikit-learn",
                "version": sklearn.__version__,
                "solver": a.solver,
                "atoms": int(atoms),
                "dim": int(dim),
                "queries": int(q.shape[0]),
                "lambda": a.lam,
                "seconds": best,
                "ms_per_query": best * 1000 / q.shape[0],
                "cpu_ms_per_query": best_cpu * 1000 / q.shape[0],
                "objective": objective.tolist(),
            },
            f,
        )


if __name__ == "__main__":
    main()
