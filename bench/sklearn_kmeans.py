"""Peer for bench/segment.mjs: scikit-learn KMeans, one thread (threadpoolctl).

Reads row-major float64 features from --data (raw little-endian, --cols columns) and initial
centres from --init (raw, k x cols), then times:
  one_iter: KMeans(n_clusters=k, init=centres, n_init=1, max_iter=1, algorithm="lloyd").fit(X)
            on all rows (one Lloyd iteration + scikit-learn's final assignment pass);
  full:     KMeans(n_clusters=k, init="k-means++", n_init=1, random_state=0, algorithm="lloyd")
            .fit(X[:--full-rows]) with the default max_iter=300, tol=1e-4.
Prints one JSON line with the timings (ms), the one-iteration centres and inertia, and the full
fit's inertia and iterations.

Usage: bench/.venv/bin/python bench/sklearn_kmeans.py --data F --init F --cols 8 --k 8
       [--full-rows 100000] [--repeats 7] [--warmup 2]
"""

import argparse
import json
import statistics
import time
import warnings

warnings.simplefilter("ignore")

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    runs = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), runs, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--init", required=True)
    p.add_argument("--cols", type=int, required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--full-rows", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    a = p.parse_args()
    X = np.fromfile(a.data, dtype="<f8").reshape(-1, a.cols)
    C = np.fromfile(a.init, dtype="<f8").reshape(a.k, a.cols)
    Xs = np.ascontiguousarray(X[: a.full_rows])
    with threadpool_limits(limits=1):
        one = lambda: KMeans(n_clusters=a.k, init=C, n_init=1, max_iter=1, algorithm="lloyd").fit(X)  # noqa: E731
        one_ms, one_runs, m1 = timed(one, a.warmup, a.repeats)
        full = lambda: KMeans(n_clusters=a.k, init="k-means++", n_init=1, random_state=0, algorithm="lloyd").fit(Xs)  # noqa: E731
        full_ms, full_runs, m2 = timed(full, a.warmup, a.repeats)
    print(json.dumps({
        "sklearn": sklearn.__version__,
        "oneIterMs": one_ms, "oneIterRuns": one_runs,
        "oneIterCentroids": m1.cluster_centers_.ravel().tolist(), "oneIterInertia": float(m1.inertia_),
        "fullMs": full_ms, "fullRuns": full_runs,
        "fullInertia": float(m2.inertia_), "fullIterations": int(m2.n_iter_),
    }))


if __name__ == "__main__":
    main()
