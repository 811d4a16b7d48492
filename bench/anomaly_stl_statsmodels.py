"""Peer timing for examples/anomaly_bench.rs and bench/anomaly.mjs: statsmodels' STL (period 7,
every default: the settings detectAnomalies uses for daily data) on the series they write (JSON:
a list of lists), one fit per series, single thread.

Prints one JSON line: {"msPerSeries": median over 5 runs of (total time / series), "series": n}.

Usage: bench/.venv/bin/python bench/anomaly_stl_statsmodels.py SERIES.json
"""

import json
import statistics
import sys
import time

import numpy as np
from statsmodels.tsa.seasonal import STL


def main():
    series = [np.asarray(s, dtype=float) for s in json.load(open(sys.argv[1]))]
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for y in series:
            STL(y, period=7).fit()
        runs.append((time.perf_counter() - t0) * 1000.0 / len(series))
    print(json.dumps({"msPerSeries": statistics.median(runs), "series": len(series)}))


if __name__ == "__main__":
    main()
