"""The Python peers of `bellwether clv`, one task per process, for scripts/bench-clv.

    python peer.py TASK [options]

Each task prints one JSON object on its last stdout line. Times are wall seconds
measured inside the process with time.perf_counter (interpreter start-up and
imports excluded); `maxrss_mib` is the process's peak resident set size
(getrusage ru_maxrss), which includes the interpreter and the imported libraries.

Tasks:
  summary-lifetimes  pandas.read_csv + lifetimes' summary_data_from_transaction_data
  summary-duckdb     one DuckDB query over read_csv(...), written to a CSV
  fit-lifetimes      lifetimes' BetaGeoFitter / ParetoNBDFitter on a summary CSV
  loglik             total log-likelihood of a summary at given parameters, by lifetimes' formula
  fit-input          (untimed helper) the summary CSV the fits read, from a log, by DuckDB
  compare            (untimed helper) check that summary CSVs agree customer by customer
"""

import argparse
import json
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def maxrss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(obj):
    obj["maxrss_mib"] = round(maxrss_mib(), 1)
    print(json.dumps(obj))


# ---------------------------------------------------------------- summaries

def summary_lifetimes(args):
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    t0 = time.perf_counter()
    df = pd.read_csv(args.log)
    t1 = time.perf_counter()
    # Whole days, in weeks: freq="D" with freq_multiplier=7 gives days / 7 (lifetimes' own
    # recipe for exact recency and T); freq="W" would round to calendar weeks instead.
    summary = summary_data_from_transaction_data(
        df, "customer_id", "date", monetary_value_col="amount", freq="D", freq_multiplier=7
    )
    t2 = time.perf_counter()
    rows = len(df)
    del df
    if args.out:
        summary.reset_index().to_csv(args.out, index=False, float_format="%.17g")
    emit({"seconds": t2 - t0, "seconds_read": t1 - t0, "seconds_summary": t2 - t1,
          "rows": rows, "customers": len(summary)})


DUCKDB_SUMMARY_SQL = """
COPY (
  WITH days AS (          -- one row per customer-day, amounts summed (same-day purchases merge)
    SELECT customer_id, date, sum(amount) AS amount
    FROM read_csv('{log}')
    GROUP BY customer_id, date
  ), customers AS (
    SELECT customer_id, count(*) - 1 AS frequency, min(date) AS first, max(date) AS last,
           sum(amount) AS total, arg_min(amount, date) AS first_amount
    FROM days GROUP BY customer_id
  )
  SELECT customer_id, frequency,
         (last - first) / 7.0 AS recency,
         (max(last) OVER () - first) / 7.0 AS T,
         CASE WHEN frequency > 0 THEN (total - first_amount) / frequency ELSE 0 END AS monetary_value
  FROM customers
) TO '{out}' (HEADER, DELIMITER ',')
"""


def summary_duckdb(args):
    import duckdb

    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {args.threads}")
    con.execute(DUCKDB_SUMMARY_SQL.format(log=args.log, out=args.out))
    t1 = time.perf_counter()
    emit({"seconds": t1 - t0, "threads": args.threads})


def fit_input(args):
    """The fit benchmarks' input: customer_id,frequency,recency,T in weeks, from the log."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    where = f"WHERE customer_id <= {args.max_customer}" if args.max_customer else ""
    # T runs to the last date of the whole log, as in the summaries.
    end = "DATE '" + str(con.execute(f"SELECT max(date) FROM read_csv('{args.log}')").fetchone()[0]) + "'"
    con.execute(
        f"""COPY (
              WITH days AS (SELECT DISTINCT customer_id, date FROM read_csv('{args.log}') {where}),
                   c AS (SELECT customer_id, count(*) - 1 AS frequency, min(date) AS first, max(date) AS last
                         FROM days GROUP BY customer_id)
              SELECT customer_id, frequency, (last - first) / 7.0 AS recency,
                     ({end} - first) / 7.0 AS T
              FROM c ORDER BY customer_id
            ) TO '{args.out}' (HEADER, DELIMITER ',')"""
    )
    n = con.execute(f"SELECT count(*) FROM read_csv('{args.out}')").fetchone()[0]
    emit({"customers": n})


def compare(args):
    """Joins summary CSVs on customer_id; counts customers missing or differing."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    cols = "customer_id VARCHAR, frequency DOUBLE, recency DOUBLE, T DOUBLE, monetary_value DOUBLE"
    names = []
    for i, path in enumerate(args.files):
        con.execute(
            f"CREATE TABLE s{i} AS SELECT customer_id::VARCHAR AS customer_id, frequency::DOUBLE AS frequency, "
            f"recency::DOUBLE AS recency, T::DOUBLE AS T, monetary_value::DOUBLE AS monetary_value "
            f"FROM read_csv('{path}', header = true)"
        )
        names.append(f"s{i}")
    out = {"files": args.files, "customers": [], "mismatches": [], "sums": []}
    for n in names:
        out["customers"].append(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0])
        out["sums"].append(con.execute(
            f"SELECT sum(frequency), sum(recency), sum(T), sum(monetary_value) FROM {n}").fetchone())
    for n in names[1:]:
        # Full outer join: a customer in one file only counts as a mismatch.
        q = f"""SELECT count(*) FROM s0 FULL OUTER JOIN {n} USING (customer_id)
                WHERE s0.frequency IS DISTINCT FROM {n}.frequency
                   OR s0.recency IS NULL OR {n}.recency IS NULL
                   OR abs(s0.recency - {n}.recency) > 1e-9
                   OR abs(s0.T - {n}.T) > 1e-9
                   OR abs(s0.monetary_value - {n}.monetary_value) > 1e-6 * greatest(1, abs(s0.monetary_value))"""
        out["mismatches"].append(con.execute(q).fetchone()[0])
    emit(out)


# ---------------------------------------------------------------- fits

def read_summary(path):
    import pandas as pd

    df = pd.read_csv(path, usecols=["frequency", "recency", "T"])
    return df["frequency"].to_numpy(), df["recency"].to_numpy(), df["T"].to_numpy()


def total_loglik(model, params, f, r, T):
    """Total log-likelihood (sum over customers, in the file's time unit) by lifetimes' own formula.

    lifetimes fits on times rescaled by s = 1 / max(T) and reports `_negative_log_likelihood_`
    there: for BG/NBD the mean per customer, for Pareto/NBD the total. Rescaling time by s
    changes each customer's log-likelihood by x * log(s) (x purchase-time densities), so the
    total in the file's unit is LL_scaled + sum(x) * log(s). The formula is evaluated on the
    scaled data as lifetimes does (its Pareto/NBD formula gives NaN for some customers with
    recency = T on unscaled weeks).
    """
    import numpy as np

    s = 1.0 / T.max()
    if model == "bgnbd":
        from lifetimes import BetaGeoFitter

        logp = np.log([params["r"], params["alpha"] * s, params["a"], params["b"]])
        w = np.ones_like(r, dtype=int)
        scaled = -BetaGeoFitter._negative_log_likelihood(logp, f, r * s, T * s, w, 0.0) * len(f)
    elif model == "pnbd":
        from lifetimes import ParetoNBDFitter

        p = [params["r"], params["alpha"] * s, params["s"], params["beta"] * s]
        scaled = np.sum(ParetoNBDFitter._conditional_log_likelihood(p, f, r * s, T * s))
    else:
        raise SystemExit(f"unknown model {model}")
    return float(scaled + np.sum(f) * np.log(s))


def reported_loglik(model, fitter, f):
    """lifetimes' own `_negative_log_likelihood_`, converted to the total in the file's unit."""
    import numpy as np

    nll = float(fitter._negative_log_likelihood_)
    total = nll * len(f) if model == "bgnbd" else nll  # mean vs total (weights.mean() = 1)
    return float(-total + np.sum(f) * np.log(fitter._scale))


def fit_lifetimes(args):
    import numpy as np

    t0 = time.perf_counter()
    f, r, T = read_summary(args.input)
    t1 = time.perf_counter()
    if args.model == "bgnbd":
        from lifetimes import BetaGeoFitter

        fitter = BetaGeoFitter().fit(f, r, T)
    else:
        from lifetimes import ParetoNBDFitter

        np.random.seed(args.seed)  # lifetimes draws Nelder-Mead's start point at random
        fitter = ParetoNBDFitter().fit(f, r, T)
    t2 = time.perf_counter()
    params = {k: float(v) for k, v in fitter.params_.items()}
    emit({
        "model": args.model, "n": int(len(f)), "seconds": t2 - t0, "seconds_read": t1 - t0,
        "seconds_fit": t2 - t1, "params": params,
        "internal_negative_log_likelihood": float(fitter._negative_log_likelihood_),
        "scale": float(fitter._scale),
        "reported_log_likelihood": reported_loglik(args.model, fitter, f),
        "log_likelihood": total_loglik(args.model, params, f, r, T),
        "sum_frequency": float(np.sum(f)),
    })


def loglik(args):
    f, r, T = read_summary(args.input)
    emit({"log_likelihood": total_loglik(args.model, json.loads(args.params), f, r, T)})


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="task", required=True)
    p = sub.add_parser("summary-lifetimes")
    p.add_argument("--log", required=True)
    p.add_argument("--out")
    p.set_defaults(run=summary_lifetimes)
    p = sub.add_parser("summary-duckdb")
    p.add_argument("--log", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.set_defaults(run=summary_duckdb)
    p = sub.add_parser("fit-input")
    p.add_argument("--log", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--max-customer", type=int, default=0)
    p.set_defaults(run=fit_input)
    p = sub.add_parser("compare")
    p.add_argument("files", nargs="+")
    p.set_defaults(run=compare)
    p = sub.add_parser("fit-lifetimes")
    p.add_argument("--model", choices=["bgnbd", "pnbd"], required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(run=fit_lifetimes)
    p = sub.add_parser("loglik")
    p.add_argument("--model", choices=["bgnbd", "pnbd"], required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--params", required=True, help="JSON object of parameters")
    p.set_defaults(run=loglik)
    args = ap.parse_args()
    args.run(args)


if __name__ == "__main__":
    sys.exit(main())
