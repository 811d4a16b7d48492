"""Peer for bench/experiment_units.mjs: the per-arm sums of one row per unit with numpy, and the
whole Welch test with scipy, on the same 1M units.

Reads (not timed) the columns bench/experiment_units.mjs wrote to --dir: units_arm.u8 (arm code
per unit), units_value.f64 and units_pre.f64 (little-endian float64). Times (median of --repeats
runs after --warmup):
  mean:  n, Σv, Σv² per arm, two numpy idioms: np.bincount with and without weights, and one
         boolean mask per arm with np.dot for the sums (the faster of the two is the reference)
  cuped: the same plus Σpre, Σpre², Σv·pre per arm
  welch: scipy.stats.ttest_ind(v[arm == 0], v[arm == 1], equal_var=False), the split included
Prints one JSON line: timings, versions and the per-arm sums (for the cross-check).

Usage: bench/.venv/bin/python bench/numpy_experiment_units.py --dir DIR [--repeats 11] [--warmup 3]
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
import scipy
from scipy import stats


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        out = fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t) * 1e3)
    return {"median_ms": statistics.median(runs), "min_ms": min(runs)}, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeats", type=int, default=11)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    arm = np.fromfile(os.path.join(a.dir, "units_arm.u8"), dtype=np.uint8)
    v = np.fromfile(os.path.join(a.dir, "units_value.f64"), dtype="<f8")
    pre = np.fromfile(os.path.join(a.dir, "units_pre.f64"), dtype="<f8")
    k = int(arm.max()) + 1

    def mean_sums():
        return (
            np.bincount(arm, minlength=k),
            np.bincount(arm, weights=v, minlength=k),
            np.bincount(arm, weights=v * v, minlength=k),
        )

    def cuped_sums():
        return mean_sums() + (
            np.bincount(arm, weights=pre, minlength=k),
            np.bincount(arm, weights=pre * pre, minlength=k),
            np.bincount(arm, weights=v * pre, minlength=k),
        )

    def mean_masks():
        out = []
        for j in range(k):
            m = arm == j
            x = v[m]
            out.append((int(m.sum()), x.sum(), np.dot(x, x)))
        return out

    def cuped_masks():
        out = []
        for j in range(k):
            m = arm == j
            x, p = v[m], pre[m]
            out.append((int(m.sum()), x.sum(), np.dot(x, x), p.sum(), np.dot(p, p), np.dot(x, p)))
        return out

    def welch():
        return stats.ttest_ind(v[arm == 1], v[arm == 0], equal_var=False)

    mean_t, sums = timed(mean_sums, a.warmup, a.repeats)
    cuped_t, csums = timed(cuped_sums, a.warmup, a.repeats)
    mean_masks_t, msums = timed(mean_masks, a.warmup, a.repeats)
    cuped_masks_t, _ = timed(cuped_masks, a.warmup, a.repeats)
    welch_t, w = timed(welch, a.warmup, a.repeats)
    for j in range(k):
        assert msums[j][0] == sums[0][j]
        assert abs(msums[j][1] - sums[1][j]) <= 1e-9 * abs(sums[1][j])
    print(
        json.dumps(
            {
                "versions": {"numpy": np.__version__, "scipy": scipy.__version__},
                "units": int(arm.size),
                "mean": mean_t,
                "cuped": cuped_t,
                "meanMasks": mean_masks_t,
                "cupedMasks": cuped_masks_t,
                "welch": welch_t,
                "sums": {
                    "n": sums[0].tolist(),
                    "sum": sums[1].tolist(),
                    "sumSquares": sums[2].tolist(),
                    "preSum": csums[3].tolist(),
                    "preSumSquares": csums[4].tolist(),
                    "preCrossSum": csums[5].tolist(),
                },
                "welchT": float(w.statistic),
                "welchP": float(w.pvalue),
            }
        )
    )


if __name__ == "__main__":
    main()
