"""Peer for bench/cohort.mjs and examples/cohort_bench.rs: the monthly cohort matrix (revenue and
active customers, ages 0..=max_age) with pandas, on a table already in memory.

Reads raw little-endian columns from --dir (customer.u32, timestamp.f64 in epoch ms, amount.f64,
written by the caller) into a DataFrame with a datetime64 column (not timed), then times one
function computing both grids the way the library defines them: a purchase is amount >= 0; a
customer's cohort is the UTC month of their first purchase; the age of a transaction is its month
minus the cohort month (a refund before acquisition counts at age 0); revenue = Σ amount,
customers = distinct customers with a purchase at that age; transactions after the end of
--end (a date, UTC) are ignored. Writes the last run's grids to --out (JSON: cohort month
indices, sizes, revenue and customers row-major, ages 0..=max_age, cells past the end as null)
and prints one JSON line with the timings.

Usage: bench/.venv/bin/python bench/cohort_pandas.py --dir DIR --end 2025-12-31 --max-age 35
       --out FILE [--repeats 5] [--warmup 1]
"""

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--end", required=True)
    ap.add_argument("--max-age", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()

    d = pathlib.Path(args.dir)
    t0 = time.perf_counter()
    df = pd.DataFrame(
        {
            "customer": np.fromfile(d / "customer.u32", dtype="<u4"),
            "ts": pd.to_datetime(np.fromfile(d / "timestamp.f64", dtype="<f8").astype("int64"), unit="ms", utc=True),
            "amount": np.fromfile(d / "amount.f64", dtype="<f8"),
        }
    )
    load_ms = (time.perf_counter() - t0) * 1e3
    end = pd.Timestamp(args.end, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(milliseconds=1)
    end_month = (end.year - 1970) * 12 + end.month - 1
    max_age = args.max_age

    def run():
        x = df[df["ts"] <= end]
        month = (x["ts"].dt.year - 1970) * 12 + x["ts"].dt.month - 1
        buy = x["amount"] >= 0
        first = month[buy].groupby(x["customer"][buy]).min()  # month of the first purchase
        cohort = x["customer"].map(first)
        age = (month - cohort).clip(lower=0)
        keep = cohort.notna() & (age <= max_age)
        c, a = cohort[keep].astype("int64"), age[keep].astype("int64")
        revenue = x["amount"][keep].groupby([c, a]).sum().unstack(fill_value=0.0)
        kb = keep & buy
        customers = x["customer"][kb].groupby([cohort[kb].astype("int64"), age[kb].astype("int64")]).nunique().unstack(fill_value=0)
        size = first.value_counts().sort_index()
        cols = range(max_age + 1)
        revenue = revenue.reindex(index=size.index, columns=cols, fill_value=0.0)
        customers = customers.reindex(index=size.index, columns=cols, fill_value=0)
        complete = (size.index.to_numpy()[:, None] + np.arange(max_age + 1)[None, :]) <= end_month
        return size, revenue.to_numpy().astype(float), customers.to_numpy().astype(float), complete

    for _ in range(args.warmup):
        out = run()
    runs = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        out = run()
        runs.append((time.perf_counter() - t) * 1e3)

    size, revenue, customers, complete = out
    masked = lambda v: [float(x) if ok else None for x, ok in zip(v.ravel(), complete.ravel())]
    pathlib.Path(args.out).write_text(
        json.dumps(
            {
                "cohort": [int(i) for i in size.index],
                "size": [int(n) for n in size.to_numpy()],
                "ages": max_age + 1,
                "revenue": masked(revenue),
                "customers": masked(customers),
            }
        )
    )
    print(
        json.dumps(
            {
                "median_ms": statistics.median(runs),
                "min_ms": min(runs),
                "runs_ms": runs,
                "load_ms": load_ms,
                "rows": int(len(df)),
                "versions": {"python": sys.version.split()[0], "pandas": pd.__version__, "numpy": np.__version__},
            }
        )
    )


if __name__ == "__main__":
    main()
