"""Reference HAC for PeopleBench: SciPy's or fastcluster's linkage on the same .npy as ours, timed around the call.

Usage: hac.py --library scipy|fastcluster --input X.npy --method average --merges OUT.npy --json OUT.json
              [--cuts 0.3,0.5] [--labels OUT.npy]

Reads float32/float64 rows, computes cosine distances with scipy's pdist (float64) and the linkage on them, and
writes the scipy-format merges (m x 4 float64), optionally one fcluster(Z, t, "distance") partition per cut
(int32, cuts x n) and a JSON line with timings: distance and linkage seconds measured in this process around the
calls (perf_counter and process CPU time), peak RSS, library versions.
"""
import argparse
import json
import resource
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--library", choices=["scipy", "fastcluster"], required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--method", default="average")
    ap.add_argument("--merges", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--cuts", default="")
    ap.add_argument("--labels")
    a = ap.parse_args()

    import scipy
    from scipy.cluster.hierarchy import fcluster
    from scipy.spatial.distance import pdist

    if a.library == "fastcluster":
        import fastcluster

        version = fastcluster.__version__

        def link(d):
            return fastcluster.linkage(d, method=a.method, preserve_input=False)
    else:
        from scipy.cluster.hierarchy import linkage

        version = scipy.__version__

        def link(d):
            return linkage(d, method=a.method)

    x = np.load(a.input)
    w0, c0 = time.perf_counter(), time.process_time()
    d = pdist(x.astype(np.float64), "cosine")
    w1, c1 = time.perf_counter(), time.process_time()
    z = link(d)
    w2, c2 = time.perf_counter(), time.process_time()
    del d
    np.save(a.merges, np.ascontiguousarray(z, dtype=np.float64))
    cuts = [float(t) for t in a.cuts.split(",") if t]
    if cuts and a.labels:
        labels = np.stack([fcluster(z, t, "distance").astype(np.int32) - 1 for t in cuts])
        np.save(a.labels, labels)
    out = {
        "library": a.library,
        "version": version,
        "numpy": np.__version__,
        "method": a.method,
        "n": int(x.shape[0]),
        "dim": int(x.shape[1]),
        "distance_seconds": w1 - w0,
        "linkage_seconds": w2 - w1,
        "seconds": w2 - w0,
        "cpu_seconds": c2 - c0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    with open(a.json, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
