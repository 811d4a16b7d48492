"""Times scikit-learn's LogisticRegression(lbfgs) fit and predict_proba on the data bench/churn.mjs wrote.

Usage: python bench/sklearn_logistic.py X.bin Y.bin N K ALPHA SCORE.bin SCORE_ROWS
Prints one JSON line: fit and score timings (median of runs), coefficients, intercept, iterations.
"""
import json
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits


def main():
    x_path, y_path, n, k, alpha, score_path, score_rows = sys.argv[1:8]
    n, k, alpha, score_rows = int(n), int(k), float(alpha), int(score_rows)
    x = np.fromfile(x_path, dtype="<f8").reshape(n, k)
    y = np.fromfile(y_path, dtype=np.uint8)
    xs = np.fromfile(score_path, dtype="<f8").reshape(score_rows, k)
    # Same model as unimetric: standardised features, L2 with C = 1/alpha, intercept unpenalised.
    mean, sd = x.mean(axis=0), x.std(axis=0)
    z = (x - mean) / sd
    zs = (xs - mean) / sd
    with threadpool_limits(limits=1):
        fits, scores = [], []
        model = None
        for _ in range(5):
            m = LogisticRegression(solver="lbfgs", C=1.0 / alpha, tol=1e-4, max_iter=100)
            t0 = time.perf_counter()
            m.fit(z, y)
            fits.append((time.perf_counter() - t0) * 1000)
            model = m
        for _ in range(5):
            t0 = time.perf_counter()
            model.predict_proba(zs)
            scores.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "fit_median_ms": statistics.median(fits), "fit_min_ms": min(fits),
        "score_median_ms": statistics.median(scores), "score_min_ms": min(scores),
        "coefficients": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]),
        "iterations": int(model.n_iter_[0]), "sklearn": sklearn.__version__, "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
