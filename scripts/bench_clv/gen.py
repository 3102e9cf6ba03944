"""Seeded synthetic transaction log from a BG/NBD process, with whole-day dates.

    python gen.py --customers N --seed S --out log.csv

Each customer makes a first purchase on a day uniform over the 3 years
2022-01-01..2024-12-31 (1096 days); repeat purchases follow a Poisson process
with rate lambda ~ Gamma(r, 1/alpha) per day, and after each purchase the
customer drops out with probability p ~ Beta(a, b) (Fader, Hardie & Lee 2005).
Purchase times are floored to whole days, so several purchases may fall on one
day (they are separate rows; summaries merge them) and many customers share the
same (frequency, recency, T). Amounts: each customer has a mean spend
~ Gamma(4, 10), each purchase ~ Gamma(6, mean/6), in cents.
Rows are written in date order (a log as a shop would export it), through DuckDB.
"""

import argparse
import time

import duckdb
import numpy as np

START = "2022-01-01"
DAYS = 1096  # 2022-01-01 .. 2024-12-31
# Per-day BG/NBD parameters: about 10 rows per customer.
R, ALPHA, A, B = 0.9, 25.0, 0.6, 6.0


def simulate(n, seed):
    rng = np.random.default_rng(seed)
    birth = rng.integers(0, DAYS, n)  # day of the first purchase
    age = (DAYS - birth).astype(np.float64)  # time the customer can buy in, in days
    lam = rng.gamma(R, 1.0 / ALPHA, n)
    p = rng.beta(A, B, n)
    spend = rng.gamma(4.0, 10.0, n)

    cust_parts = [np.arange(n, dtype=np.int64)]
    day_parts = [birth.astype(np.int64)]
    active = np.arange(n)  # alive after the first purchase (BG/NBD: drop-out follows repeats)
    t = np.zeros(n)
    while active.size:
        t[active] += rng.exponential(1.0, active.size) / lam[active]
        active = active[t[active] < age[active]]
        cust_parts.append(active.astype(np.int64))
        day_parts.append(birth[active] + np.floor(t[active]).astype(np.int64))
        active = active[rng.random(active.size) >= p[active]]
    cust = np.concatenate(cust_parts)
    day = np.concatenate(day_parts)
    amount = np.round(rng.gamma(6.0, spend[cust] / 6.0), 2)
    amount = np.maximum(amount, 0.01)
    return cust, day, amount


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.perf_counter()
    cust, day, amount = simulate(args.customers, args.seed)
    # Customer ids 1..N are assigned in a seeded random order, independent of behaviour,
    # so "customer_id <= k" is a random subset of k customers.
    perm = np.random.default_rng(args.seed + 1).permutation(args.customers) + 1
    ids = perm[cust]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    import pandas as pd

    df = pd.DataFrame({"customer_id": ids, "day": day, "amount": amount})
    con.register("log", df)
    tmp = args.out + ".tmp"
    con.execute(
        f"""COPY (SELECT customer_id, DATE '{START}' + day::INTEGER AS date, amount::DECIMAL(12,2) AS amount
                  FROM log ORDER BY day, customer_id)
            TO '{tmp}' (HEADER, DELIMITER ',')"""
    )
    import os

    os.replace(tmp, args.out)
    print(f"generated {len(ids)} rows for {args.customers} customers in {time.perf_counter() - t0:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
