//! End-to-end tests of the `bellwether` binary: import, rank, explain, demo, bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod clv;
mod collab;
mod report;
mod security;
mod tidy;
mod users;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Runs the binary with `--db db` and the given arguments.
fn bellwether(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bellwether"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BELLWETHER_DB")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn import_ok(db: &Path, dir: &Path) -> String {
    let output = bellwether(db, &["import", dir.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "import failed: {}",
        stderr(&output)
    );
    stderr(&output)
}

/// Every file of the database (the main file and any WAL or journal) with its length and a
/// digest of its bytes, for byte-for-byte comparisons that print readably when they fail.
fn snapshot_files(db: &Path) -> Vec<(String, usize, u64)> {
    let dir = db.parent().unwrap();
    let stem = db.file_name().unwrap().to_str().unwrap();
    let mut files: Vec<(String, usize, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(stem)
        })
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (
                path.file_name().unwrap().to_str().unwrap().to_string(),
                bytes.len(),
                fnv1a(&bytes),
            )
        })
        .collect();
    files.sort();
    files
}

/// FNV-1a, enough to tell two files apart in a test.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x100000001b3)
    })
}

#[test]
fn rank_table_of_the_small_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let output = bellwether(&db, &["rank"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("rank_small", stdout(&output));
    assert_eq!(
        stderr(&output),
        "8 customers: 1 strategic, 0 showcase, 4 representative, 3 transactional\n"
    );
}

#[test]
fn explain_names_the_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let output = bellwether(&db, &["explain", "B4"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("explain_coupon_bank", stdout(&output));

    let missing = bellwether(&db, &["explain", "NOPE"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("error: customer `NOPE` is not in the store"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn rank_json_and_csv_agree_and_respect_filters() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&bellwether(&db, &["rank", "--format", "json"]))).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 8);
    for row in rows {
        for key in [
            "customer_id",
            "name",
            "strategic_score",
            "fit",
            "reputation",
            "influence",
            "quadrant",
            "reasons",
        ] {
            assert!(row.get(key).is_some(), "missing {key} in {row}");
        }
        for key in ["strategic_score", "fit", "reputation", "influence"] {
            let value = row[key].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&value), "{key} = {value}");
        }
    }
    let scores: Vec<f64> = rows
        .iter()
        .map(|row| row["strategic_score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "not sorted: {scores:?}"
    );

    let csv_text = stdout(&bellwether(
        &db,
        &[
            "rank",
            "--format",
            "csv",
            "--quadrant",
            "strategic",
            "--top",
            "1",
        ],
    ));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1);
    let first_strategic = rows
        .iter()
        .find(|row| row["quadrant"] == "strategic")
        .unwrap();
    assert_eq!(
        &records[0][1],
        first_strategic["customer_id"].as_str().unwrap()
    );
    assert_eq!(&records[0][9], "strategic");
}

#[test]
fn failed_import_leaves_the_store_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let before = snapshot_files(&db);
    assert!(!before.is_empty());

    let output = bellwether(&db, &["import", data("bad-mixed").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(
        "bad_mixed_errors",
        stderr(&output).replace(db.to_str().unwrap(), "[DB]")
    );
    assert_eq!(snapshot_files(&db), before);
}

#[test]
fn problems_in_every_file_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let before = snapshot_files(&db);
    let output = bellwether(&db, &["import", data("bad-customers").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    // FIXME: transactions.csv line 3 also names unknown customer B2, which is reported only when its
    // date parses; the reader stops at the date problem.
    insta::assert_snapshot!(
        "bad_customers_errors",
        stderr(&output).replace(db.to_str().unwrap(), "[DB]")
    );
    assert_eq!(snapshot_files(&db), before);
}

#[test]
fn failed_first_import_creates_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let output = bellwether(&db, &["import", data("bad-mixed").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(snapshot_files(&db), []);
}

#[test]
fn skip_invalid_imports_the_valid_rows_and_writes_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let rejects = dir.path().join("rejects.csv");
    let output = bellwether(
        &db,
        &[
            "import",
            data("bad-mixed").to_str().unwrap(),
            "--skip-invalid",
            "--rejects",
            rejects.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("8 customers (8 new, 0 updated), 2 transactions"),
        "{}",
        stderr(&output)
    );
    let text = std::fs::read_to_string(&rejects).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let lines: Vec<String> = reader
        .records()
        .map(|record| record.unwrap()[1].to_string())
        .collect();
    assert_eq!(lines, ["3", "4", "5"]);
    assert!(text.contains("B9"), "{text}");
}

#[test]
fn reimport_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    import_ok(&db, &data("small"));
    let first = stdout(&bellwether(&db, &["rank", "--format", "csv"]));
    let message = import_ok(&db, &data("small"));
    assert!(
        message.contains("8 customers (0 new, 8 updated), 10 transactions, 2 requests"),
        "{message}"
    );
    assert_eq!(
        stdout(&bellwether(&db, &["rank", "--format", "csv"])),
        first
    );
}

#[test]
fn demo_writes_imports_and_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let demo_dir = dir.path().join("demo");
    let output = bellwether(
        &db,
        &[
            "demo",
            "--dir",
            demo_dir.to_str().unwrap(),
            "--customers",
            "400",
            "--top",
            "5",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 6, "{}", stdout(&output));
    for file in [
        "customers.csv",
        "transactions.csv",
        "requests.csv",
        "bellwether.toml",
    ] {
        assert!(demo_dir.join(file).is_file(), "{file}");
    }
    let explain = bellwether(&db, &["explain", "C0001"]);
    assert!(explain.status.success(), "{}", stderr(&explain));
}

#[test]
fn init_writes_a_template_that_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let output = bellwether(&db, &["init", dir.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let again = bellwether(&db, &["init", dir.path().to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("hint: pass --force"),
        "{}",
        stderr(&again)
    );
    // The template alone is a valid import (no customers yet).
    import_ok(&db, dir.path());
}
