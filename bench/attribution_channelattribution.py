"""Peer for bench/attribution.mjs: ChannelAttribution 2.2.5 (GPL-3, C++ core) on aggregated paths.

Reads a CSV (columns path,total_conversions,total_conversion_value,total_null; paths separated by
">") into a DataFrame (not timed), then times, in one process after --warmup untimed calls:
  heuristics: heuristic_models(Data, "path", "total_conversions", var_value="total_conversion_value")
              (first, last and linear touch, conversions and values);
  markov:     markov_model(Data, "path", "total_conversions", var_value="total_conversion_value",
              var_null="total_null", order=1) with its defaults otherwise: nsim_start=1e5 split in
              nfold=10 folds, seed=0, conv_par=0.05, max_step=None, ncore=1; verbose=False.
Prints one JSON line with the median timings (ms), every run, the package version and, computed
after timing, the credits of both calls per channel (for the cross-check).

Usage: bench/.venv/bin/python bench/attribution_channelattribution.py PATHS.csv
       [--repeats 5] [--warmup 1]
"""

import argparse
import contextlib
import importlib.metadata
import io
import json
import statistics
import time
import warnings

warnings.simplefilter("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):  # the module prints a banner at import
    import ChannelAttribution as ca  # noqa: E402

VERSION = importlib.metadata.version("ChannelAttribution")  # the module has no __version__


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), runs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("csv")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    a = p.parse_args()
    df = pd.read_csv(a.csv, dtype={"path": str})
    df["total_conversions"] = df["total_conversions"].astype(np.int64)
    df["total_null"] = df["total_null"].astype(np.int64)
    df["total_conversion_value"] = df["total_conversion_value"].astype(np.float64)

    def heuristics():
        return ca.heuristic_models(df, "path", "total_conversions", var_value="total_conversion_value",
                                   sep=">", flg_pro=False)

    def markov():
        return ca.markov_model(df, "path", "total_conversions", var_value="total_conversion_value",
                               var_null="total_null", order=1, sep=">", verbose=False, flg_pro=False)

    h_ms, h_runs = timed(heuristics, a.warmup, a.repeats)
    m_ms, m_runs = timed(markov, a.warmup, a.repeats)
    # The credits, for the benchmark's cross-check (after timing).
    h = heuristics().set_index("channel_name")
    m = markov().set_index("channel_name")
    print(json.dumps({
        "version": VERSION,
        "rows": int(len(df)),
        "heuristicsMs": h_ms, "heuristicsRuns": h_runs,
        "markovMs": m_ms, "markovRuns": m_runs,
        "heuristics": {col: {str(k): float(v) for k, v in h[col].items()} for col in h.columns},
        "markov": {col: {str(k): float(v) for k, v in m[col].items()} for col in m.columns},
    }))


if __name__ == "__main__":
    main()
