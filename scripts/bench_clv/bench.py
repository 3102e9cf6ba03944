"""Side-by-side CLV benchmark: `bellwether clv` against lifetimes 0.11.3 and DuckDB.

Run through scripts/bench-clv (which sets up the virtualenv and builds the binary);
see that script for the options. Every measured task runs in its own process, so
peak memory is per task. What is timed:

- lifetimes fits: the `.fit(frequency, recency, T)` call inside Python (CSV read,
  interpreter start and imports excluded; read time reported apart).
- lifetimes summary: pandas.read_csv + summary_data_from_transaction_data inside Python.
- DuckDB summary: connect + one query over read_csv(...) writing the summary CSV, inside
  Python (start-up and import excluded), threads = 2.
- bellwether: the whole process (start-up, CSV read, work, output), wall clock.

So each peer is timed without its start-up and Bellwether with it: the ratios lean
towards the peers. Fast sides (bellwether, DuckDB) run --runs times and the median is
reported; lifetimes runs once.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.join(HERE, "peer.py")
GEN = os.path.join(HERE, "gen.py")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_json(cmd):
    """Runs a peer task; returns its JSON line plus the process wall time."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    return out


def run_timed(cmd, env=None, want_stderr=False):
    """Runs a command under /usr/bin/time; returns (wall seconds, peak RSS MiB, stdout[, stderr])."""
    tfile = cmd_time_file()
    full = ["/usr/bin/time", "-f", "%M", "-o", tfile] + cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True,
                          env=None if env is None else {**os.environ, **env})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    with open(tfile) as fh:
        rss_kib = int(fh.read().strip().splitlines()[-1])
    if want_stderr:
        return wall, rss_kib / 1024.0, proc.stdout, proc.stderr
    return wall, rss_kib / 1024.0, proc.stdout


def phase_times(stderr):
    """Bellwether's BELLWETHER_TIMINGS lines ("timing:   0.123 s  read") as {phase: seconds}."""
    times = {}
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "timing:" and parts[2] == "s":
            times[parts[3]] = float(parts[1])
    return times


_TIME_FILE = None


def cmd_time_file():
    return _TIME_FILE


def median(xs):
    return statistics.median(xs)


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(x):
    return "-" if x is None else (f"{x:.1f}x" if x < 100 else f"{x:.0f}x")


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    with open("/proc/loadavg") as fh:
        load = " ".join(fh.read().split()[:3])
    return cpu, os.cpu_count(), load


def versions():
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ["lifetimes", "duckdb", "pandas", "numpy", "scipy", "autograd"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "?"
    return out


def main():
    global _TIME_FILE
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--customers", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pnbd-peer-customers", type=int, required=True)
    ap.add_argument("--summary-peer-rows", type=int, default=0, help="0: the whole log")
    ap.add_argument("--only", default="summary,bgnbd,pnbd")
    ap.add_argument("--json-out")
    ap.add_argument("--command", default="", help="the invocation, to print with the results")
    args = ap.parse_args()
    py = sys.executable
    only = set(args.only.split(","))

    work = os.path.abspath(os.path.join("bench-data", f"clv-{args.customers}-seed{args.seed}"))
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    _TIME_FILE = os.path.join(out_dir, "time.txt")
    logf = os.path.join(work, "log.csv")
    fitf = os.path.join(work, "fit.csv")

    cpu, ncpu, load_before = machine()
    vers = versions()
    bw_version = subprocess.run([args.bin, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()

    # ---------------------------------------------------------------- data
    if not os.path.exists(logf):
        log(f"generating the transaction log for {args.customers} customers ...")
        subprocess.run([py, GEN, "--customers", str(args.customers), "--seed", str(args.seed), "--out", logf], check=True)
    if not os.path.exists(fitf):
        log("summarising the log into the fits' input (DuckDB, untimed) ...")
        run_json([py, PEER, "fit-input", "--log", logf, "--out", fitf])
    with open(logf, "rb") as fh:
        rows = sum(1 for _ in fh) - 1
    n = args.customers
    log(f"data: {logf} ({rows} rows, {os.path.getsize(logf) / 2**20:.0f} MiB), fits read {fitf}")

    results = {"command": args.command, "customers": n, "rows": rows, "seed": args.seed, "cpu": cpu, "cpus": ncpu,
               "load_before": load_before, "versions": vers, "bellwether": bw_version,
               "commit": commit + ("+dirty" if dirty else ""), "tasks": []}
    table = []  # (task, lifetimes, duckdb, bellwether, ratio, target, ok)
    notes = []

    def bw_summary(log_path, tag):
        out = os.path.join(out_dir, f"bellwether-summary-{tag}.csv")
        # "summarised_seconds": from the start of the command to the summaries in memory (BELLWETHER_TIMINGS),
        # the span lifetimes is timed over (read_csv + summary_data_from_transaction_data, no output);
        # "seconds": the whole process, CSV written, the span DuckDB is timed over (its COPY writes a CSV).
        walls, summarised, rss = [], [], []
        for _ in range(args.runs):
            w, m, _, stderr = run_timed([args.bin, "--quiet", "clv", "summary", "--transactions", log_path,
                                         "--time-unit", "week", "--out", out], env={"BELLWETHER_TIMINGS": "1"},
                                        want_stderr=True)
            walls.append(w)
            summarised.append(phase_times(stderr)["summarised"])
            rss.append(m)
        return {"seconds": median(walls), "all_seconds": walls, "summarised_seconds": median(summarised),
                "all_summarised_seconds": summarised, "maxrss_mib": max(rss), "out": out}

    def duck_summary(log_path, tag):
        out = os.path.join(out_dir, f"duckdb-summary-{tag}.csv")
        res = [run_json([py, PEER, "summary-duckdb", "--log", log_path, "--out", out]) for _ in range(args.runs)]
        return {"seconds": median([r["seconds"] for r in res]), "all_seconds": [r["seconds"] for r in res],
                "maxrss_mib": max(r["maxrss_mib"] for r in res), "out": out}

    # ---------------------------------------------------------------- summary
    if "summary" in only:
        log("summary: bellwether ...")
        bw = bw_summary(logf, "full")
        log(f"  {bw['all_seconds']} s, {bw['maxrss_mib']:.0f} MiB; DuckDB ...")
        dk = duck_summary(logf, "full")
        log(f"  {dk['all_seconds']} s, {dk['maxrss_mib']:.0f} MiB")
        peer_rows = args.summary_peer_rows if 0 < args.summary_peer_rows < rows else rows
        if peer_rows < rows:
            # A random subset of customers (ids are assigned at random), whole histories, in log order.
            k = max(1, round(n * peer_rows / rows))
            sub = os.path.join(work, f"log-customers-{k}.csv")
            if not os.path.exists(sub):
                import duckdb

                con = duckdb.connect()
                con.execute(f"COPY (SELECT * FROM read_csv('{logf}') WHERE customer_id <= {k}) "
                            f"TO '{sub}' (HEADER, DELIMITER ',')")
            with open(sub, "rb") as fh:
                sub_rows = sum(1 for _ in fh) - 1
            log(f"summary: lifetimes on {sub_rows} rows ({k} customers) ...")
            lt = run_json([py, PEER, "summary-lifetimes", "--log", sub,
                           "--out", os.path.join(out_dir, "lifetimes-summary-sub.csv")])
            bw_sub = bw_summary(sub, "sub")
            dk_sub = duck_summary(sub, "sub")
            cmp_sub = run_json([py, PEER, "compare", bw_sub["out"], dk_sub["out"],
                                os.path.join(out_dir, "lifetimes-summary-sub.csv")])
            label_sub = f"summary {sub_rows / 1e6:.2g}M rows"
            table.append((label_sub, lt["seconds"], dk_sub["seconds"], bw_sub["summarised_seconds"],
                          lt["seconds"] / bw_sub["summarised_seconds"], ">= 20x vs lifetimes (at 10M)", None))
            notes.append(f"{label_sub}: lifetimes peak RSS {lt['maxrss_mib']:.0f} MiB "
                         f"(read {lt['seconds_read']:.1f} s + summary {lt['seconds_summary']:.1f} s); "
                         f"summaries agree on {k - max(cmp_sub['mismatches'])} of {k} customers "
                         f"(mismatches vs bellwether: duckdb {cmp_sub['mismatches'][0]}, lifetimes {cmp_sub['mismatches'][1]})")
            lt_full = lt["seconds"] * rows / sub_rows
            lt_label = f"~{fmt_s(lt_full)} (extrapolated)"
            ratio_lt = lt_full / bw["summarised_seconds"]
            results["tasks"].append({"task": "summary-subset", "rows": sub_rows, "lifetimes": lt,
                                     "duckdb": dk_sub, "bellwether": bw_sub, "compare": cmp_sub})
            cmp_files = [bw["out"], dk["out"]]
        else:
            log(f"summary: lifetimes on all {rows} rows ...")
            lt = run_json([py, PEER, "summary-lifetimes", "--log", logf,
                           "--out", os.path.join(out_dir, "lifetimes-summary-full.csv")])
            lt_full = lt["seconds"]
            lt_label = lt_full
            ratio_lt = lt_full / bw["summarised_seconds"]
            cmp_files = [bw["out"], dk["out"], os.path.join(out_dir, "lifetimes-summary-full.csv")]
        cmp = run_json([py, PEER, "compare"] + cmp_files)
        label = f"summary {rows / 1e6:.3g}M rows"
        table.append((label + " vs lifetimes (until summarised)", lt_label, None, bw["summarised_seconds"],
                      ratio_lt, ">= 20x", ratio_lt >= 20))
        table.append((label + " vs DuckDB", None, dk["seconds"], bw["seconds"], dk["seconds"] / bw["seconds"],
                      ">= 0.667x (within 1.5x)", bw["seconds"] <= 1.5 * dk["seconds"]))
        table.append((label + " peak memory (MiB)", lt["maxrss_mib"] if peer_rows == rows else None,
                      dk["maxrss_mib"], bw["maxrss_mib"], None, "< 1024 MiB", bw["maxrss_mib"] < 1024))
        notes.append(f"{label}: vs lifetimes, bellwether's time runs from the command's start to the summaries in "
                     f"memory (runs {bw['all_summarised_seconds']}), as lifetimes' read_csv + summary does; vs DuckDB, "
                     f"both are timed until the summary CSV is written (bellwether: the whole process, runs "
                     f"{bw['all_seconds']})")
        agree = all(m == 0 for m in cmp["mismatches"]) and len(set(cmp["customers"])) == 1
        notes.append(f"{label}: {cmp['customers'][0]} customers; summaries "
                     f"{'agree' if agree else 'DISAGREE'} customer by customer "
                     f"(mismatches vs bellwether: {cmp['mismatches']}, files {[os.path.basename(f) for f in cmp_files]})")
        results["tasks"].append({"task": "summary", "lifetimes": lt, "duckdb": dk, "bellwether": bw, "compare": cmp})

    # ---------------------------------------------------------------- fits
    def bw_fit(model, path):
        # "fit_seconds" is the time from the end of the CSV read to the fitted model (compression to
        # unique rows, estimation, Hessian), printed by the binary under BELLWETHER_TIMINGS=1: the same
        # work as the peer's timed fit() call on columns already in memory.
        walls, fits, rss, out = [], [], [], None
        for _ in range(args.runs):
            w, m, stdout, stderr = run_timed([args.bin, "--quiet", "clv", "fit", "--model", model, "--input", path,
                                              "--format", "json"], env={"BELLWETHER_TIMINGS": "1"},
                                             want_stderr=True)
            phases = phase_times(stderr)
            walls.append(w)
            fits.append(phases["fitted"] - phases["read"])
            rss.append(m)
            out = json.loads(stdout)
        out.update({"seconds": median(walls), "all_seconds": walls, "fit_seconds": median(fits),
                    "all_fit_seconds": fits, "maxrss_mib": max(rss)})
        # The same formula (lifetimes') at Bellwether's parameters, as a cross-check.
        out["lifetimes_formula_log_likelihood"] = run_json(
            [py, PEER, "loglik", "--model", model, "--input", path, "--params", json.dumps(out["params"])]
        )["log_likelihood"]
        return out

    def ll_note(label, model, lt, bw):
        ll_lt, ll_bw = lt["log_likelihood"], bw["log_likelihood"]
        rel = (ll_bw - ll_lt) / abs(ll_lt)
        ok = rel >= -1e-6
        check = (bw["lifetimes_formula_log_likelihood"] - ll_bw) / abs(ll_bw)
        notes.append(
            f"{label}: LL bellwether {ll_bw:.6f} vs lifetimes {ll_lt:.6f}: relative difference {rel:+.2e} "
            f"({'bellwether better' if rel > 1e-6 else 'equal within 1e-6' if ok else 'LIFETIMES BETTER'}); "
            f"lifetimes' formula at bellwether's parameters gives {bw['lifetimes_formula_log_likelihood']:.6f} "
            f"(relative {check:+.1e}); params bellwether "
            + ", ".join(f"{k}={v:.6g}" for k, v in bw["params"].items())
            + "; lifetimes " + ", ".join(f"{k}={v:.6g}" for k, v in lt["params"].items())
            + f"; bellwether converged={bw.get('converged')} in {bw.get('iterations')} iterations"
        )
        return ok

    if "bgnbd" in only:
        log("BG/NBD: lifetimes ...")
        lt = run_json([py, PEER, "fit-lifetimes", "--model", "bgnbd", "--input", fitf])
        log(f"  {lt['seconds_fit']:.1f} s; bellwether ...")
        bw = bw_fit("bgnbd", fitf)
        log(f"  {bw['all_seconds']} s")
        label = f"BG/NBD fit {n / 1e6:.3g}M customers"
        ok_ll = ll_note(label, "bgnbd", lt, bw)
        ratio = lt["seconds_fit"] / bw["fit_seconds"]
        table.append((label, lt["seconds_fit"], None, bw["fit_seconds"], ratio, ">= 100x, LL within 1e-6",
                      ratio >= 100 and ok_ll))
        table.append((f"BG/NBD read CSV + fit {n / 1e6:.3g}M customers (whole process)",
                      lt["seconds_fit"] + lt["seconds_read"], None, bw["seconds"],
                      (lt["seconds_fit"] + lt["seconds_read"]) / bw["seconds"], "-", None))
        notes.append(f"{label}: fit = lifetimes' BetaGeoFitter.fit() call vs bellwether's phase from the end of "
                     f"its CSV read to the fitted model (runs {bw['all_fit_seconds']}); whole process: lifetimes' "
                     f"pandas.read_csv + fit (interpreter start excluded) vs bellwether's process wall time "
                     f"(runs {bw['all_seconds']}); peak RSS lifetimes {lt['maxrss_mib']:.0f} MiB, bellwether "
                     f"{bw['maxrss_mib']:.0f} MiB")
        results["tasks"].append({"task": "bgnbd", "lifetimes": lt, "bellwether": bw})

    if "pnbd" in only:
        k = min(args.pnbd_peer_customers, n)
        if k < n:
            subf = os.path.join(work, f"fit-customers-{k}.csv")
            if not os.path.exists(subf):
                run_json([py, PEER, "fit-input", "--log", logf, "--out", subf, "--max-customer", str(k)])
        else:
            subf = fitf
        log(f"Pareto/NBD: lifetimes on {k} customers ...")
        lt = run_json([py, PEER, "fit-lifetimes", "--model", "pnbd", "--input", subf])
        log(f"  {lt['seconds_fit']:.1f} s; bellwether ...")
        bw_k = bw_fit("pnbd", subf)
        log(f"  {bw_k['all_seconds']} s")
        label_k = f"Pareto/NBD fit {k / 1e6:.3g}M customers"
        ok_ll = ll_note(label_k, "pnbd", lt, bw_k)
        ratio_k = lt["seconds_fit"] / bw_k["fit_seconds"]
        table.append((label_k, lt["seconds_fit"], None, bw_k["fit_seconds"], ratio_k, "LL within 1e-6", ok_ll))
        notes.append(f"{label_k}: lifetimes' pandas.read_csv takes {lt['seconds_read']:.2f} s more; "
                     f"lifetimes starts Nelder-Mead at a random point (seeded: numpy seed 0)")
        task = {"task": "pnbd", "peer_customers": k, "lifetimes": lt, "bellwether_peer_size": bw_k}
        if k < n:
            bw = bw_fit("pnbd", fitf)
            log(f"  bellwether on {n}: {bw['all_seconds']} s")
            lt_n = lt["seconds_fit"] * n / k
            ratio = lt_n / bw["fit_seconds"]
            table.append((f"Pareto/NBD fit {n / 1e6:.3g}M customers", f"~{fmt_s(lt_n)} (extrapolated)", None,
                          bw["fit_seconds"], ratio, ">= 300x", ratio >= 300))
            table.append((f"Pareto/NBD read CSV + fit {n / 1e6:.3g}M customers (whole process)",
                          f"~{fmt_s(lt_n + lt['seconds_read'] * n / k)} (extrapolated)", None, bw["seconds"],
                          (lt_n + lt["seconds_read"] * n / k) / bw["seconds"], "-", None))
            notes.append(f"Pareto/NBD at {n} customers: lifetimes not run; its time is the {k}-customer time "
                         f"scaled linearly ({lt['seconds_fit']:.1f} s x {n / k:g}), so that ratio is extrapolated. "
                         f"Bellwether LL at {n}: {bw['log_likelihood']:.6f} (lifetimes' formula at its parameters "
                         f"{bw['lifetimes_formula_log_likelihood']:.6f})")
            task["bellwether"] = bw
        else:
            table[-1] = (label_k, lt["seconds_fit"], None, bw_k["fit_seconds"], ratio_k, ">= 300x, LL within 1e-6",
                         ratio_k >= 300 and ok_ll)
            table.append((f"Pareto/NBD read CSV + fit {n / 1e6:.3g}M customers (whole process)",
                          lt["seconds_fit"] + lt["seconds_read"], None, bw_k["seconds"],
                          (lt["seconds_fit"] + lt["seconds_read"]) / bw_k["seconds"], "-", None))
        results["tasks"].append(task)

    _, _, load_after = machine()
    results["load_after"] = load_after
    results["table"] = table
    results["notes"] = notes

    # ---------------------------------------------------------------- report
    if args.command:
        print(f"$ {args.command}")
    print(f"CLV benchmark: {n} customers, {rows} transaction rows (seed {args.seed}); {cpu}, {ncpu} CPUs; "
          f"load average before {load_before}, after {load_after}")
    print(f"bellwether {bw_version} ({results['commit']}); " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    print("Times in seconds; bellwether and DuckDB: median of "
          f"{args.runs} run(s); lifetimes: 1 run. Ratio = peer time / bellwether time.")
    print()
    print("| task | lifetimes s | DuckDB s | bellwether s | ratio | target | result |")
    print("|---|---:|---:|---:|---:|---|---|")
    for task, lt_s, dk_s, bw_s, ratio, target, ok in table:
        cells = [task,
                 lt_s if isinstance(lt_s, str) else fmt_s(lt_s),
                 fmt_s(dk_s) if not isinstance(dk_s, str) else dk_s,
                 fmt_s(bw_s), fmt_ratio(ratio), target,
                 "-" if ok is None else ("pass" if ok else "FAIL")]
        if "memory" in task:
            cells[1:4] = ["-" if v is None else f"{v:.0f}" for v in (lt_s, dk_s, bw_s)]
        print("| " + " | ".join(cells) + " |")
    print()
    for note in notes:
        print(f"- {note}")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(results, fh, indent=1, default=str)
        print(f"\n(all figures: {args.json_out})")


if __name__ == "__main__":
    main()
