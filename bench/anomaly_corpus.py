"""Writes the labelled synthetic corpus of bench/anomaly_accuracy.mjs (issue #20): seeded numpy,
no other input, the same file on every machine with the same numpy.

Usage: bench/.venv/bin/python bench/anomaly_corpus.py [OUT.json]
       (default bench/.data/anomaly_corpus.json, git-ignored)

Every series is daily (the consumer builds `time` as `start` + i days), one year (365 points) or
three (1,095). A base series is

    level · (1 + slope · t/n) · (1 + amplitude · week[t mod 7]) + N(0, (noise · level)²)

with level log-uniform in [50, 5000], slope uniform in [−0.3, 0.5] (the level moves by −30 % to
+50 % over the series), a weekly shape drawn per series (seven N(0, 1) values, centred, scaled to
a largest magnitude of 1) and amplitude uniform in [0.05, 0.3], and noise 2 %, 5 % or 10 % of the
level (sd = noise · level, so sigma below means that sd).

Types and labels (`labels`: 0-based indices of the injected anomalies):

- `clean`: the base series, no label. 20 series per noise level and length (120 series).
- `spike`: base + m·sigma at 3 (one year) or 9 (three years) points, at least 14 days apart
  and not in the first or last 14 days; m drawn per point from one of three bands, equally
  likely: 3–5, 5–8, 8–12 (`magnitudes` holds m). 10 series per noise level and length (60).
- `drop`: the same with −m·sigma (values kept ≥ 0). 60 series.
- `level_shift`: from a point s (uniform in the middle 20 %–90 % of the series) on, the
  series moves by ±m·sigma (sign even odds, m in the same bands), and stays there. One shift
  per series, label s. 60 series. A shift counts as found when a point in s … s + 6 (the
  first 7 points of the new level) is flagged; flags in that window count as true for
  precision, flags elsewhere as false.
- `rate_drop` and `rate_clean`: rate series (`denominator` present, `value` the count). The
  denominator is D · (1 + 0.2 · week[t mod 7]) · lognormal(0, 0.1), rounded, at least 1, with
  D log-uniform in [20, 2000] (so days with fewer than 20 trials occur, which the detector
  never flags by its minDenominator); the rate is p · (1 + 0.1 · week2[t mod 7]) (a second
  weekly shape) with p uniform in [0.02, 0.3]; the count is Binomial(denominator, rate).
  `rate_drop` series have 3 (one year) or 9 (three years) days whose rate is multiplied by f,
  uniform in [0.2, 0.6] (`magnitudes` holds f). 40 series each, half one year, half three.

Point labels (spike, drop, rate_drop) are hits only on the labelled day itself.
"""

import json
import os
import sys

import numpy as np

SEED = 20261207
START = 1_704_067_200_000  # 2024-01-01T00:00Z, epoch ms
NOISES = [0.02, 0.05, 0.10]
LENGTHS = [365, 1095]
BANDS = [(3.0, 5.0), (5.0, 8.0), (8.0, 12.0)]


def week_shape(rng):
    w = rng.normal(size=7)
    w -= w.mean()
    return w / np.abs(w).max()


def base(rng, n, noise):
    level = float(np.exp(rng.uniform(np.log(50), np.log(5000))))
    slope = rng.uniform(-0.3, 0.5)
    amplitude = rng.uniform(0.05, 0.3)
    week = week_shape(rng)
    t = np.arange(n)
    mean = level * (1 + slope * t / n) * (1 + amplitude * week[t % 7])
    sigma = noise * level
    y = mean + rng.normal(0.0, sigma, size=n)
    return np.maximum(y, 0.0), sigma


def positions(rng, n, k, gap=14, edge=14):
    """k indices in [edge, n - edge), pairwise at least gap apart."""
    while True:
        p = np.sort(rng.choice(np.arange(edge, n - edge), size=k, replace=False))
        if k < 2 or np.diff(p).min() >= gap:
            return [int(x) for x in p]


def magnitude(rng):
    lo, hi = BANDS[rng.integers(len(BANDS))]
    return float(rng.uniform(lo, hi))


def series(kind, n, noise, y, labels=(), magnitudes=(), denominator=None):
    out = {
        "type": kind,
        "n": n,
        "noise": noise,
        "start": START,
        "value": [round(float(v), 6) for v in y],
        "labels": list(labels),
        "magnitudes": [round(m, 4) for m in magnitudes],
    }
    if denominator is not None:
        out["denominator"] = [int(d) for d in denominator]
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".data", "anomaly_corpus.json")
    rng = np.random.default_rng(SEED)
    corpus = []
    for noise in NOISES:
        for n in LENGTHS:
            for _ in range(20):
                y, _ = base(rng, n, noise)
                corpus.append(series("clean", n, noise, y))
            for kind in ["spike", "drop"]:
                for _ in range(10):
                    y, sigma = base(rng, n, noise)
                    k = 3 if n == 365 else 9
                    at = positions(rng, n, k)
                    mags = [magnitude(rng) for _ in at]
                    sign = 1.0 if kind == "spike" else -1.0
                    for i, m in zip(at, mags):
                        y[i] = max(0.0, y[i] + sign * m * sigma)
                    corpus.append(series(kind, n, noise, y, at, mags))
            for _ in range(10):
                y, sigma = base(rng, n, noise)
                s = int(rng.integers(int(0.2 * n), int(0.9 * n)))
                m = magnitude(rng)
                sign = 1.0 if rng.random() < 0.5 else -1.0
                y[s:] = np.maximum(0.0, y[s:] + sign * m * sigma)
                corpus.append(series("level_shift", n, noise, y, [s], [sign * m]))
    for kind in ["rate_drop", "rate_clean"]:
        for j in range(40):
            n = LENGTHS[j % 2]
            t = np.arange(n)
            week = week_shape(rng)
            d_level = float(np.exp(rng.uniform(np.log(20), np.log(2000))))
            den = np.maximum(1, np.round(
                d_level * (1 + 0.2 * week[t % 7]) * rng.lognormal(0.0, 0.1, size=n)))
            p = rng.uniform(0.02, 0.3)
            rate = p * (1 + 0.1 * week_shape(rng)[t % 7])
            at, factors = [], []
            if kind == "rate_drop":
                at = positions(rng, n, 3 if n == 365 else 9)
                factors = [float(rng.uniform(0.2, 0.6)) for _ in at]
                for i, f in zip(at, factors):
                    rate[i] *= f
            count = rng.binomial(den.astype(np.int64), np.clip(rate, 0.0, 1.0))
            s = series(kind, n, None, count, at, factors, den)
            s["denominatorLevel"] = round(d_level, 2)
            corpus.append(s)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump({"seed": SEED, "numpy": np.__version__, "series": corpus}, f)
    counts = {}
    for s in corpus:
        counts[s["type"]] = counts.get(s["type"], 0) + 1
    print(json.dumps({"path": out_path, "series": len(corpus), "byType": counts}))


if __name__ == "__main__":
    main()
