"""Peer for bench/summary.mjs: times lifetimes' summary_data_from_transaction_data.

Loads the CSV with pandas and parses the dates (not timed), then times only
summary_data_from_transaction_data(df, 'customer_id', 'order_date', monetary_value_col='amount',
freq='D') with observation_period_end defaulting to the last transaction. Writes the summary of
the last run to --out (customer_id, frequency, recency, T, monetary_value) and prints one JSON
line with the timings.

With --netted-out FILE it also writes (untimed) the same summary computed under unimetric's refund
policy: amounts netted per customer and day, days with a net <= 0 dropped, then the same lifetimes
call with the original observation end. That reference lets the caller check customers with
refund rows too.

Usage: bench/.venv/bin/python bench/lifetimes_summary.py --csv FILE --out FILE [--netted-out FILE]
       [--repeats 3] [--warmup 1]
"""

import argparse
import json
import statistics
import sys
import time
import warnings

warnings.simplefilter("ignore")  # lifetimes on pandas 3 warns about deprecated options

import lifetimes  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--netted-out")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(args.csv, usecols=["customer_id", "order_date", "amount"])
    # ISO-8601 with 'Z' parses to UTC; keep UTC wall-clock as naive datetimes (the usual input of
    # lifetimes, and what it would do itself when it calls to_period on tz-aware data).
    df["order_date"] = pd.to_datetime(df["order_date"], format="ISO8601", utc=True).dt.tz_convert(None)
    load_ms = (time.perf_counter() - t0) * 1e3

    def run() -> pd.DataFrame:
        return summary_data_from_transaction_data(
            df, "customer_id", "order_date", monetary_value_col="amount", freq="D"
        )

    for _ in range(args.warmup):
        summary = run()
    runs = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        summary = run()
        runs.append((time.perf_counter() - t) * 1e3)

    columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    summary.reset_index()[columns].to_csv(args.out, index=False, float_format="%.17g")

    if args.netted_out:
        daily = (
            df.assign(day=df["order_date"].dt.floor("D"))
            .groupby(["customer_id", "day"], as_index=False)["amount"]
            .sum()
        )
        daily = daily[daily["amount"] > 0]
        netted = summary_data_from_transaction_data(
            daily, "customer_id", "day", monetary_value_col="amount", freq="D",
            observation_period_end=df["order_date"].max(),
        )
        netted.reset_index()[columns].to_csv(args.netted_out, index=False, float_format="%.17g")

    print(
        json.dumps(
            {
                "median_ms": statistics.median(runs),
                "min_ms": min(runs),
                "runs_ms": runs,
                "load_ms": load_ms,
                "rows": int(len(df)),
                "customers": int(len(summary)),
                "versions": {
                    "python": sys.version.split()[0],
                    "lifetimes": lifetimes.__version__,
                    "pandas": pd.__version__,
                    "numpy": np.__version__,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
