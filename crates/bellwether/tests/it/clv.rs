//! End-to-end tests of `bellwether clv`: CDNOW golden values through the binary,
//! BG/BB and sBG published fits, the workspace database, and bad input.
//!
//! Golden values: the CDNOW README (`crates/bellwether-clv/tests/data/cdnow/README.md`), where
//! lifetimes 0.11.3, btyd and pymc-marketing agree; FHS 2010 (BG/BB); F&H 2007 (sBG).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{bellwether, data, stderr, stdout};

fn cdnow(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bellwether-clv/tests/data/cdnow")
        .join(name)
}

/// Runs `bellwether clv ARGS` (no database needed) and returns stdout, failing on a non-zero exit.
fn clv_ok(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut full = vec!["clv"];
    full.extend_from_slice(args);
    let output = bellwether(&dir.path().join("unused.db"), &full);
    assert!(
        output.status.success(),
        "clv {args:?} failed: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// Fits `model` on `input` and returns the JSON output.
fn fit_json(model: &str, input: &Path) -> Value {
    let text = clv_ok(&[
        "fit",
        "--model",
        model,
        "--input",
        input.to_str().unwrap(),
        "--format",
        "json",
    ]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Checks the parameters of a fit to a relative tolerance, and its log-likelihood absolutely.
fn check_fit(fit: &Value, model: &str, params: &[(&str, f64)], log_likelihood: Option<f64>) {
    assert_eq!(fit["model"], model);
    assert_eq!(fit["converged"], true);
    for &(name, expected) in params {
        let value = fit["params"][name]
            .as_f64()
            .unwrap_or_else(|| panic!("no {name} in {fit}"));
        assert!(
            ((value - expected) / expected).abs() < 1e-3,
            "{name} = {value}, expected {expected}"
        );
        let se = fit["std_errors"][name].as_f64().unwrap();
        assert!(se.is_finite() && se > 0.0, "std error of {name}: {se}");
    }
    if let Some(expected) = log_likelihood {
        let value = fit["log_likelihood"].as_f64().unwrap();
        assert!(
            (value - expected).abs() < 1e-3,
            "log-likelihood {value}, expected {expected}"
        );
    }
}

/// Parses a CSV with a header into rows of fields.
fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// CDNOW_sample.txt (whitespace-separated, no header) as a `customer_id,date,amount` CSV.
fn cdnow_transactions_csv(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(cdnow("CDNOW_sample.txt")).unwrap();
    let mut csv = String::from("customer_id,date,amount\n");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        csv.push_str(&format!("{},{},{}\n", fields[1], fields[2], fields[4]));
    }
    let path = dir.join("cdnow.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn cdnow_summary_reproduces_the_published_summary() {
    let dir = tempfile::tempdir().unwrap();
    let transactions = cdnow_transactions_csv(dir.path());
    let out = clv_ok(&[
        "summary",
        "--transactions",
        transactions.to_str().unwrap(),
        "--time-unit",
        "week",
        "--observation-end",
        "1997-09-30",
    ]);
    let (header, rows) = csv_rows(&out);
    assert_eq!(
        header,
        ["customer_id", "frequency", "recency", "T", "monetary_value"]
    );
    let ours: std::collections::HashMap<u32, Vec<f64>> = rows
        .iter()
        .map(|r| {
            (
                r[0].parse().unwrap(),
                r[1..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect();
    let (_, expected) = csv_rows(
        &std::fs::read_to_string(cdnow("cdnow_customers_summary_with_transactions.csv")).unwrap(),
    );
    assert_eq!(expected.len(), 2357);
    assert_eq!(ours.len(), 2357);
    for row in &expected {
        let id: u32 = row[0].parse().unwrap();
        let want: Vec<f64> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
        let got = &ours[&id];
        assert_eq!(got[0], want[0], "frequency of {id}");
        assert!(
            (got[1] - want[1]).abs() < 0.005,
            "recency of {id}: {} vs {}",
            got[1],
            want[1]
        );
        assert!(
            (got[2] - want[2]).abs() < 0.005,
            "T of {id}: {} vs {}",
            got[2],
            want[2]
        );
        assert!(
            (got[3] - want[3]).abs() < 0.01,
            "monetary value of {id}: {} vs {}",
            got[3],
            want[3]
        );
    }
}

#[test]
fn fit_summarises_a_transaction_log_first() {
    let dir = tempfile::tempdir().unwrap();
    let transactions = cdnow_transactions_csv(dir.path());
    let text = clv_ok(&[
        "fit",
        "--model",
        "bgnbd",
        "--input",
        transactions.to_str().unwrap(),
        "--observation-end",
        "1997-09-30",
        "--format",
        "json",
    ]);
    let fit: Value = serde_json::from_str(&text).unwrap();
    // Unrounded times move the estimates in the fifth digit.
    check_fit(
        &fit,
        "bgnbd",
        &[
            ("r", 0.242593),
            ("alpha", 4.41353),
            ("a", 0.792886),
            ("b", 2.42575),
        ],
        None,
    );
    assert!(
        (fit["log_likelihood"].as_f64().unwrap() + 9582.43).abs() < 0.05,
        "{fit}"
    );
}

#[test]
fn cdnow_holdout_counts_match_the_published_holdout() {
    let dir = tempfile::tempdir().unwrap();
    let transactions = cdnow_transactions_csv(dir.path());
    let out = clv_ok(&[
        "summary",
        "--transactions",
        transactions.to_str().unwrap(),
        "--calibration-end",
        "19970930",
    ]);
    let (header, rows) = csv_rows(&out);
    assert_eq!(header[5..], ["frequency_holdout", "duration_holdout"]);
    let (_, expected) =
        csv_rows(&std::fs::read_to_string(cdnow("cdnow_holdout_xstar.csv")).unwrap());
    let want: std::collections::HashMap<u32, &str> = expected
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].as_str()))
        .collect();
    for row in &rows {
        assert_eq!(
            row[5],
            want[&row[0].parse::<u32>().unwrap()],
            "holdout purchases of {}",
            row[0]
        );
        // 1997-10-01 .. 1998-06-30, the last date of the file: 273 days.
        assert_eq!(row[6], "39");
    }
    let total: u32 = rows.iter().map(|r| r[5].parse::<u32>().unwrap()).sum();
    assert_eq!(total, 1882);
}

#[test]
fn cdnow_fits_match_the_published_estimates() {
    let summary = cdnow("cdnow_customers_summary.csv");
    let bgnbd = fit_json("bgnbd", &summary);
    check_fit(
        &bgnbd,
        "bgnbd",
        &[
            ("r", 0.242593),
            ("alpha", 4.41353),
            ("a", 0.792886),
            ("b", 2.42575),
        ],
        Some(-9582.4256),
    );
    assert_eq!(bgnbd["n"], 2357.0);
    let pnbd = fit_json("pnbd", &summary);
    check_fit(
        &pnbd,
        "pnbd",
        &[
            ("r", 0.553276),
            ("alpha", 10.5776),
            ("s", 0.606214),
            ("beta", 11.6679),
        ],
        Some(-9594.9739),
    );
    // Columns ID, x, t_x, T, zbar: lifetimes' aliases.
    let gg = fit_json(
        "gg",
        &cdnow("cdnow_customers_summary_with_transactions.csv"),
    );
    check_fit(
        &gg,
        "gg",
        &[("p", 6.248805), ("q", 3.744588), ("v", 15.44774)],
        None,
    );
    assert_eq!(gg["n"], 946.0);
    // MBG/NBD fits the same data and has BG/NBD's parameter names.
    let mbgnbd = fit_json("mbgnbd", &summary);
    assert_eq!(mbgnbd["converged"], true);
    assert!(
        ["r", "alpha", "a", "b"]
            .iter()
            .all(|p| mbgnbd["params"][p].as_f64().unwrap() > 0.0),
        "{mbgnbd}"
    );
}

#[test]
fn fit_table_names_parameters_and_log_likelihood() {
    let out = clv_ok(&[
        "fit",
        "--model",
        "bgnbd",
        "--input",
        cdnow("cdnow_customers_summary.csv").to_str().unwrap(),
    ]);
    assert!(out.starts_with("BG/NBD fit on 2,357 customers"), "{out}");
    assert!(out.contains("\nr          0.242593"), "{out}");
    assert!(out.contains("log-likelihood  -9582.4256"), "{out}");
}

#[test]
fn bgbb_and_sbg_match_the_published_estimates() {
    let bgbb = fit_json("bgbb", &data("clv/donations.csv"));
    check_fit(
        &bgbb,
        "bgbb",
        &[
            ("alpha", 1.204),
            ("beta", 0.750),
            ("gamma", 0.657),
            ("delta", 2.783),
        ],
        None,
    );
    assert!(
        (bgbb["log_likelihood"].as_f64().unwrap() + 33_225.6).abs() < 0.06,
        "{bgbb}"
    );
    assert_eq!(bgbb["n"], 11104.0);
    let sbg = fit_json("sbg", &data("clv/sbg_regular.csv"));
    check_fit(&sbg, "sbg", &[("alpha", 0.704), ("beta", 1.182)], None);
    // Shares need the cohort size, then give the same fit.
    let dir = tempfile::tempdir().unwrap();
    let shares = data("clv/sbg_regular_shares.csv");
    let output = bellwether(
        &dir.path().join("x.db"),
        &[
            "clv",
            "fit",
            "--model",
            "sbg",
            "--input",
            shares.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("hint: pass --cohort-size"),
        "{}",
        stderr(&output)
    );
    let text = clv_ok(&[
        "fit",
        "--model",
        "sbg",
        "--input",
        shares.to_str().unwrap(),
        "--cohort-size",
        "1000",
        "--format",
        "json",
    ]);
    let from_shares: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(from_shares["params"], sbg["params"]);
}

#[test]
fn predict_reproduces_the_expected_holdout_total() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("predictions.csv");
    let input = cdnow("cdnow_customers_summary_with_transactions.csv");
    clv_ok(&[
        "predict",
        "--model",
        "bgnbd",
        "--input",
        input.to_str().unwrap(),
        "--horizon",
        "39",
        "--with-spend",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let (header, rows) = csv_rows(&std::fs::read_to_string(&out_path).unwrap());
    assert_eq!(
        header,
        [
            "customer_id",
            "frequency",
            "recency",
            "T",
            "p_alive",
            "expected_purchases",
            "expected_spend",
            "clv"
        ]
    );
    assert_eq!(rows.len(), 2357);
    assert_eq!(rows[0][..4], ["1", "2", "30.43", "38.86"]);
    let column = |i: usize| rows.iter().map(move |r| r[i].parse::<f64>().unwrap());
    let total: f64 = column(5).sum();
    assert!(
        (total - 1653.4).abs() < 1.0,
        "expected holdout purchases {total}"
    );
    assert!(column(4).all(|p| (0.0..=1.0).contains(&p)));
    assert!(column(6).all(|s| s > 0.0) && column(7).all(|c| c >= 0.0));
}

#[test]
fn bad_transactions_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("clv/bad_transactions.csv");
    let output = bellwether(
        &dir.path().join("x.db"),
        &["clv", "summary", "--transactions", input.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let data_dir = data("clv");
    insta::assert_snapshot!(
        "clv_bad_transactions",
        stderr(&output).replace(data_dir.to_str().unwrap(), "[DATA]")
    );
}

#[test]
fn data_without_repeat_purchases_cannot_identify_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let input = data("clv/no_repeats.csv");
    for model in ["bgnbd", "pnbd"] {
        let output = bellwether(
            &dir.path().join("x.db"),
            &[
                "clv",
                "fit",
                "--model",
                model,
                "--input",
                input.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{model}");
        assert!(
            stderr(&output).starts_with("error: cannot identify"),
            "{}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "");
    }
}

#[test]
fn unknown_model_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = bellwether(
        &dir.path().join("x.db"),
        &["clv", "fit", "--model", "lognormal"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("invalid value 'lognormal' for '--model <MODEL>'"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn fit_on_the_workspace_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let demo_dir = dir.path().join("demo");
    let output = bellwether(
        &db,
        &[
            "--quiet",
            "demo",
            "--dir",
            demo_dir.to_str().unwrap(),
            "--customers",
            "300",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let output = bellwether(&db, &["clv", "fit", "--model", "bgnbd", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let fit: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(fit["converged"], true);
    assert!(
        ["r", "alpha", "a", "b"]
            .iter()
            .all(|p| fit["params"][p].as_f64().unwrap() > 0.0),
        "{fit}"
    );
    assert!(fit["n"].as_f64().unwrap() > 0.0);
}

/// A log of `customers` customers over about two years, written row by row from a
/// small linear congruential generator: most customers in day order, every
/// seventh customer's rows shuffled in time. Returns the CSV text (ids quoted when
/// `quoted`) and the rows.
fn synthetic_log(customers: u32, quoted: bool) -> (String, Vec<(String, i32, f64)>) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % bound
    };
    let mut rows = Vec::new();
    for c in 0..customers {
        let first = next(600) as i32;
        let n = 1 + next(12) as i32;
        let mut day = first;
        for _ in 0..n {
            // Ids short and long, either side of the 7 bytes the summary packs into one
            // integer: `C12`, `0000012` (7 bytes), `00000012` (8), `C-long-id-0000012`.
            let id = match c % 5 {
                1 => format!("{c:07}"),
                2 => format!("{c:08}"),
                3 => format!("C-long-id-{c:07}"),
                _ => format!("C{c}"),
            };
            rows.push((id, day, (1 + next(9_999)) as f64 / 100.0));
            day += next(40) as i32;
        }
    }
    // Date order overall (stable, so a customer's same-day rows keep their order),
    // then disorder for every seventh customer: its rows reversed in place.
    rows.sort_by_key(|r| r.1);
    let mut positions: std::collections::HashMap<String, Vec<usize>> = Default::default();
    for (i, r) in rows.iter().enumerate() {
        positions.entry(r.0.clone()).or_default().push(i);
    }
    for (id, places) in positions {
        let number: u32 = id
            .trim_start_matches(|ch: char| !ch.is_ascii_digit())
            .parse()
            .unwrap();
        if number.is_multiple_of(7) {
            let values: Vec<_> = places.iter().map(|&i| rows[i].clone()).collect();
            for (&i, value) in places.iter().zip(values.into_iter().rev()) {
                rows[i] = value;
            }
        }
    }
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut text = String::from("customer_id,date,amount\n");
    for (id, day, amount) in &rows {
        let date = start + chrono::Days::new(*day as u64);
        if quoted {
            text.push_str(&format!("\"{id}\",{date},{amount}\n"));
        } else {
            text.push_str(&format!("{id},{date},{amount}\n"));
        }
    }
    (text, rows)
}

/// The summary by definition: per customer, the sorted distinct days with summed
/// amounts; `(frequency, recency, T, monetary_value)` in days, by customer id.
fn reference_summary(
    rows: &[(String, i32, f64)],
) -> std::collections::BTreeMap<String, (u32, f64, f64, f64)> {
    let mut days: std::collections::BTreeMap<String, std::collections::BTreeMap<i32, f64>> =
        Default::default();
    for (id, day, amount) in rows {
        *days.entry(id.clone()).or_default().entry(*day).or_default() += amount;
    }
    let end = rows.iter().map(|r| r.1).max().unwrap();
    days.into_iter()
        .map(|(id, d)| {
            let first = *d.keys().next().unwrap();
            let last = *d.keys().last().unwrap();
            let repeat: Vec<f64> = d.values().skip(1).copied().collect();
            let x = repeat.len() as u32;
            let m = if x == 0 {
                0.0
            } else {
                repeat.iter().sum::<f64>() / f64::from(x)
            };
            (id, (x, f64::from(last - first), f64::from(end - first), m))
        })
        .collect()
}

#[test]
fn summary_of_a_two_part_log_matches_the_definition_in_and_out_of_order() {
    // About 1.9 MB: big enough to be split between two threads.
    let (plain, rows) = synthetic_log(9_000, false);
    assert!(plain.len() > 1 << 20, "{} bytes", plain.len());
    let (quoted, _) = synthetic_log(9_000, true);
    let dir = tempfile::tempdir().unwrap();
    let expected = reference_summary(&rows);
    let mut outputs = Vec::new();
    for (name, text) in [("plain.csv", &plain), ("quoted.csv", &quoted)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = clv_ok(&[
            "summary",
            "--transactions",
            path.to_str().unwrap(),
            "--time-unit",
            "day",
        ]);
        let mut seen = 0;
        for line in out.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (x, t_x, t, m) = expected[f[0]];
            assert_eq!(f[1].parse::<u32>().unwrap(), x, "{name}: {line}");
            assert_eq!(f[2].parse::<f64>().unwrap(), t_x, "{name}: {line}");
            assert_eq!(f[3].parse::<f64>().unwrap(), t, "{name}: {line}");
            let got: f64 = f[4].parse().unwrap();
            assert!(
                (got - m).abs() <= 1e-9 * m.max(1.0),
                "{name}: {line}, expected {m}"
            );
            seen += 1;
        }
        assert_eq!(seen, expected.len(), "{name}");
        outputs.push(out);
    }
    // The same customers in the same order (first appearance) from both parsers.
    let ids = |out: &str| {
        out.lines()
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&outputs[0]), ids(&outputs[1]));
}

#[test]
fn bad_rows_in_the_second_half_of_a_big_log_name_their_lines() {
    let (text, _) = synthetic_log(9_000, false);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // 1-based physical lines, both in the second half of the file.
    let (bad_date, bad_amount) = (lines.len() * 3 / 4, lines.len() - 2);
    lines[bad_date - 1] = "C1,2024-13-01,5".to_string();
    lines[bad_amount - 1] = "C2,2023-01-01,five".to_string();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let output = bellwether(
        &dir.path().join("x.db"),
        &["clv", "summary", "--transactions", path.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    let name = path.display();
    assert!(
        err.contains(&format!(
            "{name}:{bad_date}:2: cannot parse date \"2024-13-01\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{name}:{bad_amount}:3: cannot parse amount \"five\""
        )),
        "{err}"
    );
    assert!(err.contains("2 invalid rows"), "{err}");
}
