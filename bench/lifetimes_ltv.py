"""Peer for bench/ltv.mjs: times lifetimes' BG/NBD fit and its summary + BG/NBD + Gamma-Gamma +
12-month CLV pipeline on the same transactions.

Loads the CSV with pandas and parses the dates (not timed). Timed (median of --repeats after
--warmup):
  fit:      BetaGeoFitter().fit(frequency, recency, T) on the summary in --summary (unimetric's,
            so both libraries fit identical numbers);
  pipeline: summary_data_from_transaction_data(freq='D') + BetaGeoFitter().fit +
            GammaGammaFitter().fit on repeat buyers with monetary_value > 0 +
            customer_lifetime_value(time=12, discount_rate=0.01, freq='D').
Prints one JSON line: timings; BG/NBD and Gamma-Gamma parameters and Σ CLV fitted on --summary.

Usage: bench/.venv/bin/python bench/lifetimes_ltv.py --csv FILE --summary FILE [--repeats 3]
       [--warmup 1]
"""

import argparse
import json
import statistics
import time
import warnings

warnings.simplefilter("ignore")

import lifetimes  # noqa: E402
import pandas as pd  # noqa: E402
from lifetimes import BetaGeoFitter, GammaGammaFitter  # noqa: E402
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402


def summary(df):
    return summary_data_from_transaction_data(
        df, "customer_id", "order_date", monetary_value_col="amount", freq="D"
    )


def fit_bg(s):
    return BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])


def pipeline(df):
    s = summary(df)
    bg = fit_bg(s)
    rb = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    gg = GammaGammaFitter().fit(rb["frequency"], rb["monetary_value"])
    clv = gg.customer_lifetime_value(
        bg, s["frequency"], s["recency"], s["T"], s["monetary_value"],
        time=12, discount_rate=0.01, freq="D",
    )
    return s, bg, gg, clv


def timed(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    runs = []
    value = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        runs.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(runs), runs, value


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()
    df = pd.read_csv(args.csv)
    df["order_date"] = pd.to_datetime(df["order_date"])
    ours = pd.read_csv(args.summary)
    fit_ms, fit_runs, bg = timed(lambda: fit_bg(ours), args.repeats, args.warmup)
    pipe_ms, pipe_runs, _ = timed(lambda: pipeline(df), args.repeats, args.warmup)
    rb = ours[ours["frequency"] > 0]
    gg = GammaGammaFitter().fit(rb["frequency"], rb["monetary_value"])
    clv = gg.customer_lifetime_value(
        bg, ours["frequency"], ours["recency"], ours["T"], ours["monetary_value"],
        time=12, discount_rate=0.01, freq="D",
    )
    s = ours
    print(json.dumps({
        "lifetimes": lifetimes.__version__,
        "customers": int(len(s)),
        "fit_ms": fit_ms,
        "fit_runs": fit_runs,
        "pipeline_ms": pipe_ms,
        "pipeline_runs": pipe_runs,
        "bgnbd": {k: float(v) for k, v in bg.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in gg.params_.items()},
        "clv_total": float(clv.sum()),
    }))


if __name__ == "__main__":
    main()
